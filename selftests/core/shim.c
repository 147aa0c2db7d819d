// SPDX-License-Identifier: GPL-2.0
/*
 * shim.c - the allocator behind the userspace <linux/slab.h>: calloc()
 * and free(), a count of live allocations, and failure on demand.
 */
#include <stdlib.h>
#include <linux/slab.h>

long shim_live_allocations;
long shim_fail_at;

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	void *p;

	(void)gfp;
	if (shim_fail_at > 0 && --shim_fail_at == 0)
		return NULL;
	p = calloc(n, size);
	if (p)
		shim_live_allocations++;
	return p;
}

void kfree(const void *p)
{
	if (!p)
		return;
	shim_live_allocations--;
	free((void *)p);
}
