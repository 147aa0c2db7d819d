// SPDX-License-Identifier: GPL-2.0
/*
 * The making and unmaking of one registered shadow id (a "class"): its
 * first table, its lock, its resizing; the destruction of what is left
 * when garbage collection takes it; and a look at its chains for tests.
 */

#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "class.h"
#include "ids.h"
#include "internal.h"
#include "shadow.h"
#include "table.h"

/**
 * klpx_shadow_class_create() - a new class for the id of @type
 * @type:	the type being registered
 *
 * Context: process context, may sleep; klpx_shadow_mutex held.
 * Return: the class, with an empty table of the smallest size, or
 * ERR_PTR(-ENOMEM).
 */
struct klpx_shadow_class *klpx_shadow_class_create(const struct klpx_shadow_type *type)
{
	struct klpx_shadow_class *class;
	struct klpx_shadow_table *tbl;

	class = kzalloc(sizeof(*class), GFP_KERNEL);
	if (!class)
		return ERR_PTR(-ENOMEM);
	class->id = type->id;
	class->size = type->size;
	class->name = kstrdup(type->name, GFP_KERNEL);
	if (!class->name)
		goto err_class;

	tbl = klpx_shadow_table_alloc(KLPX_SHADOW_MIN_SHIFT, GFP_KERNEL);
	if (!tbl)
		goto err_name;
	RCU_INIT_POINTER(class->tbl, tbl);

	lockdep_register_key(&class->lock_key);
	spin_lock_init(&class->lock);
	INIT_HLIST_HEAD(&class->vars);
	lockdep_set_class(&class->lock, &class->lock_key);
	klpx_shadow_resize_init(class);
	return class;

err_name:
	kfree(class->name);
err_class:
	kfree(class);
	return ERR_PTR(-ENOMEM);
}

/**
 * klpx_shadow_class_kill() - refuse every further change to a class
 * @class:	the class, off the registry's list
 *
 * Lockless readers still work.
 *
 * Context: process context.
 */
void klpx_shadow_class_kill(struct klpx_shadow_class *class)
{
	unsigned long flags;

	spin_lock_irqsave(&class->lock, flags);
	class->dead = true;
	spin_unlock_irqrestore(&class->lock, flags);
}

static void klpx_shadow_table_drain(struct klpx_shadow_class *class,
				    struct klpx_shadow_table *tbl,
				    klpx_shadow_dtor_t dtor)
{
	struct klpx_shadow_var *var, *next;
	unsigned long i;

	if (!tbl)
		return;
	for (i = 0; i < (1UL << klpx_shadow_tbl_shift(tbl)); i++) {
		for (var = rcu_dereference_protected(klpx_shadow_tbl_buckets(tbl)[i], 1);
		     var; var = next) {
			next = rcu_dereference_protected(var->next, 1);
			if (dtor)
				dtor(var->obj, var->data);
			kmem_cache_free(class->cache->slab, var);
		}
		if (!(i % 1024))
			cond_resched();
	}
	klpx_shadow_table_free(tbl);
}

/**
 * klpx_shadow_class_drain() - destroy every variable of a dead class
 * @class:	the class, dead, that nobody can reach any more (no reader,
 *		no writer)
 * @dtor:	called on each variable, or NULL
 *
 * The frees queued earlier by klpx_shadow_free() may still be pending:
 * rcu_barrier() before the class's slab cache may go.
 *
 * Context: process context, may sleep.
 */
void klpx_shadow_class_drain(struct klpx_shadow_class *class,
			     klpx_shadow_dtor_t dtor)
{
	/* The class is dead: no resize is queued again. */
	klpx_shadow_resize_stop(class);
	klpx_shadow_table_drain(class, rcu_dereference_protected(class->tbl, 1),
				dtor);
	klpx_shadow_table_drain(class,
				rcu_dereference_protected(class->new_tbl, 1),
				dtor);
	RCU_INIT_POINTER(class->tbl, NULL);
	RCU_INIT_POINTER(class->new_tbl, NULL);
}

/**
 * klpx_shadow_class_free() - free a drained class
 * @class:	the class (its slab cache is the registry's)
 *
 * Context: process context, may sleep.
 */
void klpx_shadow_class_free(struct klpx_shadow_class *class)
{
	lockdep_unregister_key(&class->lock_key);
	mutex_destroy(&class->resize_mutex);
	kfree(class->name);
	kfree(class);
}

/* The longest chain of @tbl.  Under class->lock. */
static size_t __klpx_shadow_table_longest(struct klpx_shadow_class *class,
					  struct klpx_shadow_table *tbl)
{
	struct klpx_shadow_var *var;
	size_t longest = 0, len;
	unsigned long i;

	if (!tbl)
		return 0;
	for (i = 0; i < (1UL << klpx_shadow_tbl_shift(tbl)); i++) {
		len = 0;
		for (var = klpx_shadow_deref_locked(class, klpx_shadow_tbl_buckets(tbl)[i]);
		     var; var = klpx_shadow_deref_locked(class, var->next))
			len++;
		longest = max(longest, len);
	}
	return longest;
}

/**
 * klpx_shadow_longest_chain() - the longest chain of an id's tables
 * @type:	a type of the id
 *
 * Walks every chain of both tables while a resize moves variables, under
 * the id's lock with IRQs off: for tests and debugging only.
 *
 * Context: any context a change to the id may run in.
 * Return: the number of variables of the longest chain; 0 if the id is
 * not registered.
 */
size_t klpx_shadow_longest_chain(struct klpx_shadow_type *type)
{
	struct klpx_shadow_table *tbl, *new_tbl;
	struct klpx_shadow_class *class;
	unsigned long flags;
	size_t longest = 0;

	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	if (class) {
		spin_lock_irqsave(&class->lock, flags);
		tbl = klpx_shadow_locked_tbl(class, &class->tbl);
		new_tbl = klpx_shadow_locked_tbl(class, &class->new_tbl);
		longest = max(__klpx_shadow_table_longest(class, tbl),
			      __klpx_shadow_table_longest(class, new_tbl));
		spin_unlock_irqrestore(&class->lock, flags);
	}
	rcu_read_unlock();
	return longest;
}

/**
 * klpx_shadow_most_moves() - the most variables one batch of a resize of
 * an id moved in one hold of its locks
 * @type:	a type of the id
 *
 * Context: any context a change to the id may run in.
 * Return: that number, since the id was registered; 0 if the id is not
 * registered or never resized with variables to move.
 */
unsigned int klpx_shadow_most_moves(struct klpx_shadow_type *type)
{
	struct klpx_shadow_class *class;
	unsigned int most = 0;
	unsigned long flags;

	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	if (class) {
		spin_lock_irqsave(&class->lock, flags);
		most = class->most_moves;
		spin_unlock_irqrestore(&class->lock, flags);
	}
	rcu_read_unlock();
	return most;
}
