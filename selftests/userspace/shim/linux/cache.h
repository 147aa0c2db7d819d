/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/cache.h>. */
#ifndef _SHIM_LINUX_CACHE_H
#define _SHIM_LINUX_CACHE_H

#include <linux/compiler.h>

#define L1_CACHE_BYTES		64
#define SMP_CACHE_BYTES		64

#endif /* _SHIM_LINUX_CACHE_H */
