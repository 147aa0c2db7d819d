/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/types.h>: what core/plan.c and klpx.h use. */
#ifndef _SHIM_LINUX_TYPES_H
#define _SHIM_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sparse annotations mean nothing here. */
#define __rcu

typedef unsigned int gfp_t;

struct list_head {
	struct list_head *next, *prev;
};

#endif
