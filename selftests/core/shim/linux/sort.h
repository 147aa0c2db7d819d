/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/sort.h>: the C library's qsort(). */
#ifndef _SHIM_LINUX_SORT_H
#define _SHIM_LINUX_SORT_H

#include <stdlib.h>

static inline void sort(void *base, size_t num, size_t size,
			int (*cmp)(const void *, const void *), void *swap)
{
	(void)swap;
	qsort(base, num, size, cmp);
}

#endif
