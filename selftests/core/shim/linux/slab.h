/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/slab.h>: kcalloc() and kfree() over the
 * C library, counting live allocations and failing the Nth one on demand
 * (see shim.c).
 */
#ifndef _SHIM_LINUX_SLAB_H
#define _SHIM_LINUX_SLAB_H

#include <linux/gfp.h>

void *kcalloc(size_t n, size_t size, gfp_t gfp);
void kfree(const void *p);

/* Live allocations made by kcalloc() and not yet freed. */
extern long shim_live_allocations;
/* When > 0, the shim_fail_at-th next kcalloc() fails (1: the next one). */
extern long shim_fail_at;

#endif
