// SPDX-License-Identifier: GPL-2.0
/*
 * The registered shadow ids, found by number: the hash of classes by id,
 * the mutex that guards the registry, and the SRCU that keeps a class
 * alive across a sleeping allocation.  registry.c adds and removes
 * classes under the mutex; lookups through a type that is not registered
 * itself find its id's class here under RCU.
 */

#define pr_fmt(fmt) "klpx: " fmt

#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/rculist.h>

#include "ids.h"

/* Guards the registry: see ids.h and registry.c's DOC. */
DEFINE_MUTEX(klpx_shadow_mutex);
/* Keeps a class alive across a sleeping allocation: see ids.h. */
DEFINE_SRCU(klpx_shadow_srcu);

/*
 * The classes hashed by id, for lookups by id: those of a type struct
 * that is not itself registered would otherwise walk every id.  Fixed
 * size: patches hold tens of ids, not thousands.
 */
#define KLPX_SHADOW_ID_BITS	8
static struct hlist_head klpx_shadow_ids[1 << KLPX_SHADOW_ID_BITS];

static struct hlist_head *klpx_shadow_id_head(unsigned long id)
{
	return &klpx_shadow_ids[hash_long(id, KLPX_SHADOW_ID_BITS)];
}

/**
 * klpx_shadow_class_find() - the class of a registered id
 * @id:		the id
 *
 * Context: klpx_shadow_mutex held, or an RCU reader (any flavour).
 * Return: the class, or NULL if @id is not registered.
 */
struct klpx_shadow_class *klpx_shadow_class_find(unsigned long id)
{
	struct klpx_shadow_class *class;

	hlist_for_each_entry_rcu(class, klpx_shadow_id_head(id), id_node,
				 lockdep_is_held(&klpx_shadow_mutex)) {
		if (class->id == id)
			return class;
	}
	return NULL;
}

/**
 * klpx_shadow_class_find_rcu() - the slow half of klpx_shadow_class_of()
 * @id:		the id of a type struct that is not registered itself, but
 *		may share a live id
 *
 * Context: rcu_read_lock() or klpx_shadow_read_lock() held.
 * Return: the class, or NULL if @id is not registered.
 */
struct klpx_shadow_class *klpx_shadow_class_find_rcu(unsigned long id)
{
	return klpx_shadow_class_find(id);
}

/**
 * klpx_shadow_id_add() - make a class findable by its id
 * @class:	a class no other of its id is listed beside
 *
 * Context: process context; klpx_shadow_mutex held.
 */
void klpx_shadow_id_add(struct klpx_shadow_class *class)
{
	lockdep_assert_held(&klpx_shadow_mutex);
	hlist_add_head_rcu(&class->id_node, klpx_shadow_id_head(class->id));
}

/**
 * klpx_shadow_id_del() - undo klpx_shadow_id_add(); readers may still see
 * the class until a grace period ends
 * @class:	the class
 *
 * Context: process context; klpx_shadow_mutex held.
 */
void klpx_shadow_id_del(struct klpx_shadow_class *class)
{
	lockdep_assert_held(&klpx_shadow_mutex);
	hlist_del_rcu(&class->id_node);
}

/**
 * klpx_shadow_report_unregistered() - log a call through an id that is
 * not registered (rate limited)
 * @type:	the type the caller passed, possibly NULL
 *
 * Context: any context but NMI.
 */
void klpx_shadow_report_unregistered(const struct klpx_shadow_type *type)
{
	if (!type)
		pr_err_ratelimited("NULL shadow type\n");
	else
		pr_err_ratelimited("shadow type %s (id 0x%lx) is not registered\n",
				   type->name ? type->name : "(unnamed)",
				   type->id);
}
