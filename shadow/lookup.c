// SPDX-License-Identifier: GPL-2.0
/*
 * Finding an id's variables without a lock: klpx_shadow_get(), the slow
 * half of every lookup (a miss while a resize moves variables, a type
 * that holds no table copy) and klpx_shadow_count().  The fast half is
 * inline, in lookup.h; store.c changes what this reads, and resize.c
 * moves it.
 */

#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>

#include "ids.h"
#include "internal.h"
#include "lookup.h"
#include "table.h"

/**
 * klpx_shadow_lookup_slow() - look again after a miss a resize may have
 * caused
 * @class:	the id
 * @obj:	the parent object
 *
 * A miss that a resize may have caused, looked at again in both tables.
 * The moves of a resize go chain by chain through @tbl, in batches, and a
 * batch says which chains it may touch (see resize.c), so a walk needs
 * doing again only when its own chain moved under it, not when any chain
 * did:
 *
 * - a chain before @move_lo is empty, its variables all in @new_tbl, which
 *   holds them in place (nothing moves out of it): look there only (@tbl
 *   flagged says a resize is under way, so that @move_lo is its own);
 * - otherwise the walk of the chain, then of @new_tbl's, went wrong only
 *   if a move of that chain led it astray.  Such a move comes after its
 *   batch raised @move_hi past the chain and opened @batch_seq's write
 *   section, so once the walk saw it, the reads after it see both.  With
 *   no batch run since the start, or the chain at or past @move_hi, the
 *   miss is final.
 *
 * A chain a batch is moving is looked at again until the batch ends: one
 * batch, bounded, with IRQs off.  @seq, bumped only when a resize starts
 * or ends, makes the lookup start over when the tables themselves change.
 *
 * On PREEMPT_RT that wait is latency the caller pays with preemption off
 * (a lookup holds klpx_shadow_read_lock()), in hard IRQ context too: at
 * most one batch, KLPX_SHADOW_RESIZE_MOVES (64) moves and
 * KLPX_SHADOW_RESIZE_SCAN (256) chains looked at under the raw
 * @move_lock, and only for a lookup whose own chain that batch moves (or
 * that overlaps a swap of tables, shorter still).  A smaller batch on
 * PREEMPT_RT would shorten it at the cost of more holds per resize.
 *
 * Context: any context but NMI; klpx_shadow_read_lock() or rcu_read_lock()
 * held.
 * Return: @obj's variable, or NULL if it has none.
 */
noinline struct klpx_shadow_var *
klpx_shadow_lookup_slow(struct klpx_shadow_class *class, const void *obj)
{
	struct klpx_shadow_table *tbl, *new;
	struct klpx_shadow_var *var;
	unsigned int seq, batch;
	unsigned long chain, lo;
	bool moving;

	for (;;) {
		seq = read_seqcount_begin(&class->seq);
		batch = raw_read_seqcount(&class->batch_seq);
		tbl = klpx_shadow_deref_reader(class->tbl);
		/* Flagged from a resize's start to its end, under @seq. */
		moving = klpx_shadow_tbl_moving(tbl);
		/* Pairs with the release store of the batch's end. */
		lo = smp_load_acquire(&class->move_lo);
		chain = klpx_shadow_bucket(tbl, obj) -
			klpx_shadow_tbl_buckets(tbl);
		if (!moving || chain >= lo) {
			var = klpx_shadow_chain_find(tbl, obj);
			if (var)
				return var;
		}
		new = klpx_shadow_deref_reader(class->new_tbl);
		if (new) {
			var = klpx_shadow_chain_find(new, obj);
			if (var)
				return var;
		}
		/* The moves the walks saw are before what this reads. */
		smp_rmb();
		if (read_seqcount_retry(&class->seq, seq))
			continue;
		if (!moving || chain < lo || chain >= READ_ONCE(class->move_hi))
			return NULL;
		if (!(batch & 1) && !read_seqcount_retry(&class->batch_seq, batch))
			return NULL;
		/* A batch moved our chain, or is moving it: let it end. */
		(void)read_seqcount_begin(&class->batch_seq);
	}
}

/**
 * klpx_shadow_type_lookup_slow() - the lookup of klpx_shadow_type_lookup()
 * that its table copy could not settle
 * @type:	the type looked through
 * @obj:	the parent object
 * @missed:	@type's copy was flagged or replaced after a miss in it
 * @report:	log when the id is not registered
 *
 * A lookup through a type that has no table copy (not registered itself,
 * or racing with its registration): through the class; or one that
 * @missed in its copy while a resize was under way: the class's retries.
 *
 * Context: any context but NMI; klpx_shadow_read_lock() or rcu_read_lock()
 * held.
 * Return: @obj's variable, or NULL if it has none or the id is not
 * registered.
 */
noinline struct klpx_shadow_var *
klpx_shadow_type_lookup_slow(struct klpx_shadow_type *type, const void *obj,
			     bool missed, bool report)
{
	struct klpx_shadow_class *class = klpx_shadow_class_of(type);

	if (unlikely(!class)) {
		if (report)
			klpx_shadow_report_unregistered(type);
		return NULL;
	}
	return missed ? klpx_shadow_lookup_slow(class, obj) :
			klpx_shadow_lookup(class, obj);
}

/**
 * klpx_shadow_get() - find the shadow variable of an object
 * @obj:	the parent object (may be NULL)
 * @type:	the variable's type
 *
 * Lockless; O(1) expected however many variables exist.  It never takes
 * the id's lock: at most it spins for one batch of a resize, which runs
 * with IRQs off under a raw lock.
 *
 * Context: any context but NMI, hard IRQ context included, also on
 * PREEMPT_RT.
 * Return: the variable's data, or NULL if @obj has none of @type's id or
 * the id is not registered.
 */
void *klpx_shadow_get(void *obj, struct klpx_shadow_type *type)
{
	struct klpx_shadow_var *var;

	klpx_shadow_read_lock();
	var = klpx_shadow_type_lookup(type, obj, true);
	klpx_shadow_read_unlock();
	return var ? var->data : NULL;
}
EXPORT_SYMBOL_GPL(klpx_shadow_get);

/**
 * klpx_shadow_count() - number of live variables of an id
 * @type:	the variables' type
 *
 * Context: any context but NMI, hard IRQ context included, also on
 * PREEMPT_RT.
 * Return: the number of live variables of @type's id; 0 if it is not
 * registered.
 */
size_t klpx_shadow_count(struct klpx_shadow_type *type)
{
	struct klpx_shadow_class *class;
	size_t count = 0;

	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	if (likely(class))
		count = READ_ONCE(class->count);
	else
		klpx_shadow_report_unregistered(type);
	rcu_read_unlock();
	return count;
}
EXPORT_SYMBOL_GPL(klpx_shadow_count);
