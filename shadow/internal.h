/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to shadow/: the registered id ("class") and its store.
 *
 * registry.c owns the list of classes and their lifetime (registration
 * refcount, garbage collection); store.c owns the per-id hash of variables.
 */
#ifndef _KLPX_SHADOW_INTERNAL_H
#define _KLPX_SHADOW_INTERNAL_H

#include <linux/irq_work.h>
#include <linux/klpx.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/workqueue.h>

/*
 * One shadow variable: header and data in one allocation from the id's own
 * slab cache.  @node and @obj stay intact after removal until the RCU grace
 * period ends, so a lockless reader standing on a removed variable can
 * still walk past it.
 */
struct klpx_shadow_var {
	struct hlist_node node;
	void *obj;
	struct rcu_head rcu;
	char data[];
};

/*
 * A table of 1 << shift chains.  Opaque: a pointer to it is the address of
 * the bucket array with the shift in its low bits (see store.c), so that
 * the array is exactly a power of two in size and readers find both in one
 * load.
 */
struct klpx_shadow_table;

/**
 * struct klpx_shadow_class - one registered id
 * @node:	entry in the registry, under klpx_shadow_mutex (RCU readers)
 * @id:		the id
 * @size:	bytes of data per variable
 * @name:	the id's name, our own copy
 * @refs:	registrations holding this id, under klpx_shadow_mutex
 * @cache:	slab cache of variables: header + @size bytes each
 * @lock:	guards the tables' chains, @tbl, @new_tbl, @count, @dead and
 *		@resize_pending; ctors and dtors run under it
 * @lock_key:	@lock's own lockdep class, so that lockdep sees how ids nest
 * @move_lock:	taken inside @lock, IRQs off, around each batch of moves
 *		and the swap of tables: a raw lock even on PREEMPT_RT, so a
 *		reader spinning on @seq waits one bounded batch at most
 * @seq:	bumped while variables move from @tbl to @new_tbl, so that a
 *		lockless miss during a move is retried
 * @tbl:	the table readers look in first
 * @new_tbl:	while a resize is in progress, the table variables move to;
 *		new variables go here; NULL otherwise
 * @count:	live variables; written under @lock, read locklessly
 * @dead:	set when the last registration went: no more changes
 * @resize_pending: @resize_work is queued or running
 * @resize_kick: queues @resize_work from an interrupt, never under the
 *		caller's locks (a wake-up there could need a lock they hold)
 * @resize_work: grows or shrinks the table in process context
 * @gc_node:	entry in a list of classes being collected together
 * @gc_dtor:	the dtor of the type whose unregistration collects the class
 */
struct klpx_shadow_class {
	struct list_head node;
	unsigned long id;
	size_t size;
	const char *name;
	unsigned int refs;
	struct kmem_cache *cache;

	spinlock_t lock;
	struct lock_class_key lock_key;
	raw_spinlock_t move_lock;
	seqcount_raw_spinlock_t seq;
	struct klpx_shadow_table __rcu *tbl;
	struct klpx_shadow_table __rcu *new_tbl;
	unsigned long count;
	bool dead;
	bool resize_pending;
	struct irq_work resize_kick;
	struct work_struct resize_work;

	struct list_head gc_node;
	klpx_shadow_dtor_t gc_dtor;
};

/* The largest @size a variable can have: header and data in one kmalloc. */
#define KLPX_SHADOW_MAX_SIZE \
	(KMALLOC_MAX_SIZE - sizeof(struct klpx_shadow_var))

/*
 * Held for reading across an allocation that may sleep, so that garbage
 * collection can wait for allocations in flight (see registry.c).
 */
extern struct srcu_struct klpx_shadow_srcu;

/* registry.c */
struct klpx_shadow_class *klpx_shadow_class_find_rcu(unsigned long id);
void klpx_shadow_report_unregistered(const struct klpx_shadow_type *type);

/*
 * klpx_shadow_class_of() - the class of @type's id, or NULL
 *
 * The caller holds rcu_read_lock(); the class stays valid until it drops
 * it (or klpx_shadow_srcu, if held across).  Inline: it is on the path of
 * every lookup.
 */
static __always_inline struct klpx_shadow_class *
klpx_shadow_class_of(struct klpx_shadow_type *type)
{
	struct klpx_shadow_class *class;

	if (unlikely(!type))
		return NULL;
	class = rcu_dereference(type->class);
	if (likely(class))
		return class;
	return klpx_shadow_class_find_rcu(type->id);
}

/* store.c */
struct klpx_shadow_class *klpx_shadow_class_create(const struct klpx_shadow_type *type);
void klpx_shadow_class_kill(struct klpx_shadow_class *class);
void klpx_shadow_class_drain(struct klpx_shadow_class *class,
			     klpx_shadow_dtor_t dtor);
void klpx_shadow_class_free(struct klpx_shadow_class *class);

#endif /* _KLPX_SHADOW_INTERNAL_H */
