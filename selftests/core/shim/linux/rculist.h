/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/rculist.h>.  The test is single-threaded:
 * publishing needs no barrier here, and a removed entry keeps its forward
 * pointer as in the kernel (readers may still walk past it).
 */
#ifndef _SHIM_LINUX_RCULIST_H
#define _SHIM_LINUX_RCULIST_H

#include <linux/list.h>

static inline void list_add_rcu(struct list_head *new, struct list_head *head)
{
	__list_add(new, head, head->next);
}

static inline void list_del_rcu(struct list_head *entry)
{
	__list_del_entry(entry);
	entry->prev = LIST_POISON2;
}

#endif
