/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/string.h>. */
#ifndef _SHIM_LINUX_STRING_H
#define _SHIM_LINUX_STRING_H

#include <string.h>

#include <linux/types.h>
#include <linux/slab.h>

ssize_t strscpy(char *dst, const char *src, size_t size);

#endif /* _SHIM_LINUX_STRING_H */
