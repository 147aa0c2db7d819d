/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to shadow/: the registered ids, found by number or through a
 * type (ids.c), and what keeps a class found that way alive.  registry.c
 * adds and removes them; the store finds them.
 */
#ifndef _KLPX_SHADOW_IDS_H
#define _KLPX_SHADOW_IDS_H

#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/srcu.h>

#include "internal.h"

/*
 * Guards the registered ids (the list of classes, the hash by id), every
 * class's @refs, @regs and @version, every registered type's @class, and
 * the list of slab caches; see registry.c's DOC.
 */
extern struct mutex klpx_shadow_mutex;

/*
 * Held for reading across an allocation that may sleep, so that garbage
 * collection can wait for allocations in flight (see registry.c).
 */
extern struct srcu_struct klpx_shadow_srcu;

struct klpx_shadow_class *klpx_shadow_class_find(unsigned long id);
struct klpx_shadow_class *klpx_shadow_class_find_rcu(unsigned long id);
void klpx_shadow_id_add(struct klpx_shadow_class *class);
void klpx_shadow_id_del(struct klpx_shadow_class *class);
void klpx_shadow_report_unregistered(const struct klpx_shadow_type *type);

/*
 * klpx_shadow_class_of() - the class of @type's id, or NULL
 *
 * The caller holds rcu_read_lock() or klpx_shadow_read_lock(); the class
 * stays valid until it drops it (or klpx_shadow_srcu, if held across).
 * Inline: it is on the path of every lookup.
 *
 * A lookup holds only klpx_shadow_read_lock() (preemption off), so every
 * free of something it can reach (a class, a table, a variable) waits
 * for normal RCU: synchronize_rcu(), call_rcu() or kfree_rcu(), which
 * wait for sections with preemption off too.  Never SRCU alone (it waits
 * for klpx_shadow_srcu's readers only, the sleeping allocations), nor
 * RCU-tasks (which waits for tasks to pass a voluntary switch, not for
 * interrupts or sections with preemption off).  See registry.c's DOC.
 */
static __always_inline struct klpx_shadow_class *
klpx_shadow_class_of(struct klpx_shadow_type *type)
{
	struct klpx_shadow_class *class;

	if (unlikely(!type))
		return NULL;
	class = klpx_shadow_deref_reader(type->class);
	if (likely(class))
		return class;
	return klpx_shadow_class_find_rcu(type->id);
}

#endif /* _KLPX_SHADOW_IDS_H */
