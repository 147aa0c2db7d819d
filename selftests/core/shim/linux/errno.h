/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/errno.h>.  The C library's <errno.h>
 * reaches for <linux/errno.h> itself, so take the numbers from the uapi
 * header it would have found.
 */
#ifndef _SHIM_LINUX_ERRNO_H
#define _SHIM_LINUX_ERRNO_H

#include <asm-generic/errno.h>

#endif
