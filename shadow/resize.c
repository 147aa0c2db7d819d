// SPDX-License-Identifier: GPL-2.0
/*
 * Growing and shrinking the table of one shadow id.
 *
 * A change that crosses a load limit (see __klpx_shadow_maybe_resize())
 * queues a resize through an irq_work: the change may run under any lock
 * of its caller, even one the wake-up of a kworker needs (a runqueue's, a
 * task's pi_lock).  The irq_work queues the resize on the unbound
 * workqueue, so that any idle CPU may run it, not only the one whose
 * caller crossed the limit and may go on keeping it busy.
 *
 * That alone does not bound a chain: on a kernel without forced
 * preemption, a creator that never yields its CPU (a module's init
 * attaching a variable to every object of a kind) keeps the worker off
 * that CPU, and on one CPU, or with every CPU so busy, off all of them.
 * So a creator that may sleep helps: when its creation left the table at
 * load 4 or more, it resizes the table itself before it returns, in its
 * own context and with its own gfp flags (less the promise never to fail:
 * growth is optional).  A creation costs O(1) amortised either way, and
 * no chain gets longer than a table at load 4 holds.  A creator that may
 * not sleep cannot allocate a large table, nor wait for a resize to end;
 * its creations rely on the worker running on some CPU, and it should not
 * stay atomic for long anyway.
 *
 * A resize allocates the new table, then moves variables over in
 * batches, each under the id's lock and, inside it, under the raw
 * @move_lock with IRQs off and a write section of @batch_seq, having
 * published the range of chains it may touch.  A batch moves
 * at most KLPX_SHADOW_RESIZE_MOVES variables and looks at most at
 * KLPX_SHADOW_RESIZE_SCAN chains, however long the chains grew: that
 * bounds the time IRQs are off, and the time a lockless reader whose chain
 * a batch moves spins.  Resizes of one id never overlap: @resize_mutex serialises
 * the worker and the creators that help.
 */

#define pr_fmt(fmt) "klpx: " fmt

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "ids.h"
#include "internal.h"
#include "shadow.h"
#include "table.h"

/*
 * Small tables at a lower load.  A table sized for its count (dense: load
 * between 1 and 2, see table.h) makes a lookup step on 1.5 to 2 variables
 * per hit; upstream's fixed table of 4096 chains, at 10^3 variables, on
 * barely more than one.
 * So while the tables of every id, at the size their counts ask for, take
 * no more than the allowance (the size of upstream's table: 32 KiB), a
 * resize may make its table up to eight times larger (load 1/8 to 1/4),
 * as long as what all such extra chains take stays within the allowance
 * too.  Past that, as from about 10^4 variables, tables are at their
 * natural size and the memory per variable is what it was.  @boost,
 * @natural_charged and @boost_charged of each class say what it holds of
 * the two totals.
 */
#define KLPX_SHADOW_MAX_BOOST		3
unsigned long klpx_shadow_boost_allowance = 32UL << 10;
static atomic_long_t klpx_shadow_natural_bytes = ATOMIC_LONG_INIT(0);
static atomic_long_t klpx_shadow_boost_bytes = ATOMIC_LONG_INIT(0);

static long klpx_shadow_table_bytes(unsigned int shift)
{
	return (long)sizeof(klpx_shadow_link_t) << shift;
}

/*
 * How many times to double a new table of 1 << @shift chains beyond that:
 * the extra bytes are taken from the allowance now, less what the current
 * table holds (*@delta: what was taken; klpx_shadow_boost_undo() gives it
 * back if the resize does not happen).  Under @resize_mutex.
 */
static unsigned int klpx_shadow_boost_take(struct klpx_shadow_class *class,
					   unsigned int shift, long *delta)
{
	long allowance = READ_ONCE(klpx_shadow_boost_allowance);
	long natural = klpx_shadow_table_bytes(shift), extra;
	unsigned int boost;

	*delta = -class->boost_charged;
	if (atomic_long_read(&klpx_shadow_natural_bytes) -
	    class->natural_charged + natural > allowance)
		goto none;
	for (boost = KLPX_SHADOW_MAX_BOOST; boost; boost--) {
		extra = klpx_shadow_table_bytes(shift + boost) - natural;
		if (atomic_long_add_return(extra - class->boost_charged,
					   &klpx_shadow_boost_bytes) <= allowance) {
			*delta = extra - class->boost_charged;
			return boost;
		}
		atomic_long_sub(extra - class->boost_charged,
				&klpx_shadow_boost_bytes);
	}
none:
	/* What the current table holds goes back once it is replaced. */
	atomic_long_add(*delta, &klpx_shadow_boost_bytes);
	return 0;
}

static void klpx_shadow_boost_undo(long delta)
{
	atomic_long_sub(delta, &klpx_shadow_boost_bytes);
}

/*
 * The class's table is now 1 << (@shift + @boost) chains, charged @delta
 * more than before.  Under @resize_mutex and class->lock.
 */
static void __klpx_shadow_boost_commit(struct klpx_shadow_class *class,
				       unsigned int shift, unsigned int boost,
				       long delta)
{
	long natural = klpx_shadow_table_bytes(shift);

	atomic_long_add(natural - class->natural_charged,
			&klpx_shadow_natural_bytes);
	class->natural_charged = natural;
	class->boost_charged += delta;
	class->boost = boost;
}

/* Variables moved per hold of the id's lock: bounds the IRQs-off time. */
#define KLPX_SHADOW_RESIZE_MOVES	64
/* Chains looked at per hold, moved or empty. */
#define KLPX_SHADOW_RESIZE_SCAN		256

/**
 * klpx_shadow_table_alloc() - allocate an empty table
 * @shift:	the table has 1 << @shift chains
 * @gfp:	allocation flags
 *
 * Context: any context @gfp allows.
 * Return: the table pointer (array, shift and no flag), or NULL without
 * memory.
 */
struct klpx_shadow_table *klpx_shadow_table_alloc(unsigned int shift,
						  gfp_t gfp)
{
	klpx_shadow_link_t *buckets;

	BUILD_BUG_ON((sizeof(*buckets) << KLPX_SHADOW_MIN_SHIFT) <=
		     KLPX_SHADOW_TAG_MASK);
	buckets = kvcalloc(1UL << shift, sizeof(*buckets), gfp);
	if (!buckets)
		return NULL;
	if (WARN_ON_ONCE((unsigned long)buckets & KLPX_SHADOW_TAG_MASK)) {
		kvfree(buckets);
		return NULL;
	}
	return (struct klpx_shadow_table *)((unsigned long)buckets |
					    (64 - shift));
}

/**
 * klpx_shadow_table_free() - free a table no reader can reach any more
 * @tbl:	the table pointer, flagged or not; NULL does nothing
 *
 * Context: process context or softirq (kvfree() defers a vmalloc'd
 * array's free from there).
 */
void klpx_shadow_table_free(struct klpx_shadow_table *tbl)
{
	if (tbl)
		kvfree(klpx_shadow_tbl_buckets(tbl));
}

/*
 * A table a resize replaced, freed once the readers that may still walk it
 * are gone.  Allocated with the new table: the old one's memory cannot
 * hold it, readers may still read any of its buckets.
 */
struct klpx_shadow_retired {
	struct rcu_head rcu;
	struct klpx_shadow_table *tbl;
};

static void klpx_shadow_retired_free_rcu(struct rcu_head *head)
{
	struct klpx_shadow_retired *r =
		container_of(head, struct klpx_shadow_retired, rcu);

	/* kvfree() of a vmalloc'd array defers itself from softirq context. */
	klpx_shadow_table_free(r->tbl);
	kfree(r);
}

/*
 * After an allocation failed at @resize_failed_at variables, no resize is
 * tried again until the count has doubled or halved since: each try may
 * run the whole of reclaim, and at the same count it would most likely
 * fail again.  The table meanwhile works, only at a higher or lower load.
 */
static bool __klpx_shadow_backing_off(struct klpx_shadow_class *class)
{
	unsigned long at = class->resize_failed_at;

	return at && class->count / 2 < at && class->count > at / 2;
}

/**
 * __klpx_shadow_maybe_resize() - queue a resize if the table needs one
 * @class:	the class whose count just changed
 *
 * Queues a resize if the count left the loads the table's natural size
 * keeps (between 1/2 and 2 for a dense table, 1/4 and 1 for a larger
 * one, see table.h), unless one is queued or running, the class is dead,
 * or resizes back off after a failed allocation.
 *
 * Context: any context but NMI; class->lock held.
 */
void __klpx_shadow_maybe_resize(struct klpx_shadow_class *class)
{
	struct klpx_shadow_table *tbl;
	unsigned int shift;

	if (class->resize_pending || class->dead ||
	    __klpx_shadow_backing_off(class))
		return;
	tbl = klpx_shadow_locked_tbl(class, &class->tbl);
	shift = klpx_shadow_target_shift(class->count);
	/*
	 * Grow when the count asks for more chains; shrink when twice the
	 * count would still ask for fewer: loads of the table's natural
	 * size, before any boost.
	 */
	if (shift > __klpx_shadow_natural_shift(class, tbl) ||
	    klpx_shadow_too_large(class->count,
				  __klpx_shadow_natural_shift(class, tbl))) {
		class->resize_pending = true;
		irq_work_queue(&class->resize_kick);
	}
}

/**
 * __klpx_shadow_overloaded() - whether a creator should grow the table
 * @class:	the class a creation just added a variable to
 *
 * Context: any context but NMI; class->lock held.
 * Return: true if the table new variables go to is at load 4 or more
 * (twice the load a dense table grows at, four times a larger one's: the
 * worker had the time of as many creations as the table held; and the
 * class lives and does not back off): a creator that may sleep then grows
 * it before it returns.
 */
bool __klpx_shadow_overloaded(struct klpx_shadow_class *class)
{
	struct klpx_shadow_table *tbl;

	if (class->dead || __klpx_shadow_backing_off(class))
		return false;
	tbl = klpx_shadow_locked_tbl(class, &class->new_tbl);
	if (!tbl)
		tbl = klpx_shadow_locked_tbl(class, &class->tbl);
	return class->count >> 2 >= 1UL << klpx_shadow_tbl_shift(tbl);
}

/* From an interrupt, holding none of the caller's locks. */
static void klpx_shadow_resize_kick(struct irq_work *work)
{
	struct klpx_shadow_class *class =
		container_of(work, struct klpx_shadow_class, resize_kick);

	queue_work(system_unbound_wq, &class->resize_work);
}

/*
 * A write section of @seq, around a change of tables (a resize's start and
 * its end): slow lookups that overlap it look again.  Inside class->lock;
 * IRQs off and no preemption even on PREEMPT_RT, so readers spinning on
 * @seq, in hard IRQ context too, wait a bounded time.
 */
static unsigned long klpx_shadow_swap_begin(struct klpx_shadow_class *class)
	__acquires(&class->move_lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&class->move_lock, flags);
	write_seqcount_begin(&class->seq);
	return flags;
}

static void klpx_shadow_swap_end(struct klpx_shadow_class *class,
				 unsigned long flags)
	__releases(&class->move_lock)
{
	write_seqcount_end(&class->seq);
	raw_spin_unlock_irqrestore(&class->move_lock, flags);
}

/*
 * A batch of moves from chain @i of a table of @n chains on.  It first
 * publishes the end of the chains it may touch (@move_hi: a batch looks at
 * most at KLPX_SHADOW_RESIZE_SCAN chains past @i, and the one it stops on)
 * and opens a write section of @batch_seq; after the moves, the first
 * chain not emptied (@move_lo, a release store) and the section's end.  A
 * lookup that missed looks again only if a batch ran meanwhile and its
 * chain lies between the two (see klpx_shadow_lookup_slow()).  Inside
 * class->lock, IRQs off, like the swaps.
 */
static unsigned long klpx_shadow_batch_begin(struct klpx_shadow_class *class,
					     unsigned long i, unsigned long n)
	__acquires(&class->move_lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&class->move_lock, flags);
	WRITE_ONCE(class->move_hi, min(n, i + KLPX_SHADOW_RESIZE_SCAN + 1));
	/* Orders @move_hi before the moves, as it orders the count. */
	write_seqcount_begin(&class->batch_seq);
	return flags;
}

static void klpx_shadow_batch_end(struct klpx_shadow_class *class,
				  unsigned long i, unsigned long flags)
	__releases(&class->move_lock)
{
	/* After the moves: pairs with klpx_shadow_lookup_slow()'s acquire. */
	smp_store_release(&class->move_lo, i);
	write_seqcount_end(&class->batch_seq);
	raw_spin_unlock_irqrestore(&class->move_lock, flags);
}

/*
 * Move the first variable of chain @from to the head of chain @to.
 * Readers may be standing on it: one that follows its new @next lands in
 * @to and may miss what was behind it in @from; the caller's batch
 * section makes it retry.  Links change with release stores, so a reader
 * that reaches a variable through a new link sees it whole.  The caller
 * holds class->lock.
 */
static void klpx_shadow_move(struct klpx_shadow_class *class,
			     klpx_shadow_link_t *from, klpx_shadow_link_t *to)
{
	struct klpx_shadow_var *var = klpx_shadow_deref_locked(class, *from);

	rcu_assign_pointer(*from, klpx_shadow_deref_locked(class, var->next));
	rcu_assign_pointer(var->next, klpx_shadow_deref_locked(class, *to));
	rcu_assign_pointer(*to, var);
}

/*
 * One batch: move variables of @old, from chain @i on, to @new, up to
 * KLPX_SHADOW_RESIZE_MOVES of them and through at most
 * KLPX_SHADOW_RESIZE_SCAN chains.  A long chain may take several batches.
 * Returns the first chain not emptied yet.  Under class->lock.
 */
static unsigned long klpx_shadow_move_batch(struct klpx_shadow_class *class,
					    struct klpx_shadow_table *old,
					    struct klpx_shadow_table *new,
					    unsigned long i, unsigned long n)
{
	unsigned int moves = 0, scanned = 0;
	klpx_shadow_link_t *from;
	struct klpx_shadow_var *var;

	while (i < n && moves < KLPX_SHADOW_RESIZE_MOVES &&
	       scanned < KLPX_SHADOW_RESIZE_SCAN) {
		from = &klpx_shadow_tbl_buckets(old)[i];
		var = klpx_shadow_deref_locked(class, *from);
		if (!var) {
			i++;
			scanned++;
			continue;
		}
		klpx_shadow_move(class, from, klpx_shadow_bucket(new, var->obj));
		moves++;
	}
	/* What tests and debugging read: see klpx_shadow_most_moves(). */
	class->most_moves = max(class->most_moves, moves);
	return i;
}

/* Clear @resize_pending and look again: the count may have moved on. */
static void __klpx_shadow_resize_done(struct klpx_shadow_class *class)
{
	class->resize_pending = false;
	__klpx_shadow_maybe_resize(class);
}

/*
 * Resize @class's table to the size its count asks for, allocating with
 * @gfp.  The caller holds @resize_mutex, and may sleep.
 */
static void __klpx_shadow_resize(struct klpx_shadow_class *class, gfp_t gfp)
{
	struct klpx_shadow_retired *retired = NULL;
	struct klpx_shadow_table *old, *new = NULL;
	unsigned long flags, mflags, i, n, count;
	unsigned int shift, natural, boost;
	long delta;

	lockdep_assert_held(&class->resize_mutex);
	spin_lock_irqsave(&class->lock, flags);
	old = klpx_shadow_locked_tbl(class, &class->tbl);
	count = class->count;
	shift = klpx_shadow_target_shift(count);
	natural = __klpx_shadow_natural_shift(class, old);
	if (class->dead ||
	    (shift <= natural && !klpx_shadow_too_large(count, natural))) {
		/* Nothing to do. */
		if (!class->dead)
			__klpx_shadow_resize_done(class);
		spin_unlock_irqrestore(&class->lock, flags);
		return;
	}
	spin_unlock_irqrestore(&class->lock, flags);

	boost = klpx_shadow_boost_take(class, shift, &delta);
	if (shift + boost == klpx_shadow_tbl_shift(old)) {
		/* The table already has that size: only its account changes. */
		spin_lock_irqsave(&class->lock, flags);
		if (class->dead) {
			spin_unlock_irqrestore(&class->lock, flags);
			klpx_shadow_boost_undo(delta);
			return;
		}
		__klpx_shadow_boost_commit(class, shift, boost, delta);
		__klpx_shadow_resize_done(class);
		spin_unlock_irqrestore(&class->lock, flags);
		return;
	}

	retired = kmalloc(sizeof(*retired), gfp);
	if (retired)
		new = klpx_shadow_table_alloc(shift + boost, gfp);

	spin_lock_irqsave(&class->lock, flags);
	if (!new || class->dead) {
		klpx_shadow_boost_undo(delta);
		if (!new && !class->dead) {
			class->resize_failed_at = max(count, 1UL);
			pr_warn_ratelimited("shadow id %lu: no memory for a table of %lu chains (%d); retried at half or twice %lu variables\n",
					    class->id, 1UL << shift, -ENOMEM,
					    count);
			__klpx_shadow_resize_done(class);
		}
		spin_unlock_irqrestore(&class->lock, flags);
		klpx_shadow_table_free(new);
		kfree(retired);
		return;
	}
	class->resize_failed_at = 0;
	mflags = klpx_shadow_swap_begin(class);
	WRITE_ONCE(class->move_lo, 0);
	WRITE_ONCE(class->move_hi, 0);
	rcu_assign_pointer(class->new_tbl, new);
	/* Misses in @old are no longer final: see klpx_shadow_lookup(). */
	__klpx_shadow_publish_tbl(class, klpx_shadow_tbl_flag_moving(old));
	klpx_shadow_swap_end(class, mflags);
	spin_unlock_irqrestore(&class->lock, flags);

	n = 1UL << klpx_shadow_tbl_shift(old);
	for (i = 0; i < n; ) {
		spin_lock_irqsave(&class->lock, flags);
		if (class->dead) {
			/* Garbage collection drains both tables. */
			spin_unlock_irqrestore(&class->lock, flags);
			klpx_shadow_boost_undo(delta);
			kfree(retired);
			return;
		}
		mflags = klpx_shadow_batch_begin(class, i, n);
		i = klpx_shadow_move_batch(class, old, new, i, n);
		klpx_shadow_batch_end(class, i, mflags);
		spin_unlock_irqrestore(&class->lock, flags);
		cond_resched();
	}

	spin_lock_irqsave(&class->lock, flags);
	if (class->dead) {
		spin_unlock_irqrestore(&class->lock, flags);
		klpx_shadow_boost_undo(delta);
		kfree(retired);
		return;
	}
	mflags = klpx_shadow_swap_begin(class);
	__klpx_shadow_publish_tbl(class, new);
	__klpx_shadow_boost_commit(class, shift, boost, delta);
	/* A slow lookup finds @new in @tbl before @new_tbl clears. */
	smp_wmb();
	RCU_INIT_POINTER(class->new_tbl, NULL);
	klpx_shadow_swap_end(class, mflags);
	__klpx_shadow_resize_done(class);
	spin_unlock_irqrestore(&class->lock, flags);

	/*
	 * Not synchronize_rcu(): a worker blocked in it makes the workqueue
	 * start another for the next id's resize, and with many ids growing
	 * at once their stacks outlive the growth by minutes.  Garbage
	 * collection's rcu_barrier() waits for this callback.
	 */
	retired->tbl = old;
	call_rcu(&retired->rcu, klpx_shadow_retired_free_rcu);
}

static void klpx_shadow_resize_work(struct work_struct *work)
{
	struct klpx_shadow_class *class =
		container_of(work, struct klpx_shadow_class, resize_work);

	mutex_lock(&class->resize_mutex);
	__klpx_shadow_resize(class, GFP_KERNEL);
	mutex_unlock(&class->resize_mutex);
}

/**
 * klpx_shadow_help_grow() - grow an overloaded table in the creator's context
 * @type:	the type a creation just added a variable of
 * @gfp_flags:	the creation's flags; they allow blocking
 *
 * Called after a creation that left its table at load 4 or more.  Waits
 * for a resize already running, if any, and then resizes the table if it
 * still needs it.
 *
 * Context: process context, may sleep; no lock of klpx's held.
 */
void klpx_shadow_help_grow(struct klpx_shadow_type *type, gfp_t gfp_flags)
{
	struct klpx_shadow_class *class;
	int idx;

	/* klpx_shadow_srcu keeps the class alive while we sleep. */
	idx = srcu_read_lock(&klpx_shadow_srcu);
	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	rcu_read_unlock();
	if (class) {
		mutex_lock(&class->resize_mutex);
		__klpx_shadow_resize(class, (gfp_flags & ~__GFP_NOFAIL) |
					    __GFP_NOWARN);
		mutex_unlock(&class->resize_mutex);
	}
	srcu_read_unlock(&klpx_shadow_srcu, idx);
}

/**
 * klpx_shadow_resize_init() - set up the resizing of a new class
 * @class:	the class, not yet visible to anyone
 *
 * Context: process context.
 */
void klpx_shadow_resize_init(struct klpx_shadow_class *class)
{
	mutex_init(&class->resize_mutex);
	raw_spin_lock_init(&class->move_lock);
	seqcount_raw_spinlock_init(&class->seq, &class->move_lock);
	seqcount_raw_spinlock_init(&class->batch_seq, &class->move_lock);
	/* Hard: on PREEMPT_RT too it runs at once, not in a thread. */
	class->resize_kick = IRQ_WORK_INIT_HARD(klpx_shadow_resize_kick);
	INIT_WORK(&class->resize_work, klpx_shadow_resize_work);
}

/**
 * klpx_shadow_resize_stop() - wait until no resize of a dead class runs
 * @class:	the class, dead: no resize is queued again
 *
 * Context: process context, may sleep.
 */
void klpx_shadow_resize_stop(struct klpx_shadow_class *class)
{
	irq_work_sync(&class->resize_kick);
	cancel_work_sync(&class->resize_work);
	/* Its table goes: so do its shares of the totals. */
	mutex_lock(&class->resize_mutex);
	atomic_long_sub(class->natural_charged, &klpx_shadow_natural_bytes);
	atomic_long_sub(class->boost_charged, &klpx_shadow_boost_bytes);
	class->natural_charged = 0;
	class->boost_charged = 0;
	mutex_unlock(&class->resize_mutex);
}
