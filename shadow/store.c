// SPDX-License-Identifier: GPL-2.0
/*
 * The store of one shadow id: a resizable hash of variables keyed by the
 * parent object's address, with lockless (RCU) lookups.
 *
 * The table is our own rather than an rhashtable because changes must be
 * possible with IRQs disabled (GFP_ATOMIC callers under a spin_lock_irqsave,
 * as with the kernel's own shadow variables), and rhashtable's bucket locks
 * re-enable bottom halves, which is not allowed there.
 *
 * Resizing runs in a work item, which a change that crosses a load limit
 * queues through an irq_work: the change may run under any lock of its
 * caller, even one the wake-up of a kworker needs (a runqueue's, a task's
 * pi_lock).  The work allocates the new table with GFP_KERNEL, then moves
 * the chains over in small batches, each under the id's lock and, inside
 * it, under the raw @move_lock with IRQs off and a write section of @seq.
 * A lockless reader looks in @tbl and then @new_tbl; a variable being
 * moved may lead it astray, so a miss is retried when @seq changed.  A hit
 * is always right: a variable's key never changes and its memory outlives
 * every reader.  Readers wait for nothing but an odd @seq, that is for one
 * batch that runs with IRQs off and cannot be preempted, also on
 * PREEMPT_RT, where @lock sleeps: so klpx_shadow_get() works in hard IRQ
 * context there too.
 */

#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/hash.h>
#include <linux/irq_work.h>
#include <linux/log2.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "internal.h"

#ifdef CONFIG_SLOB
#error "klpx frees slab-cache objects with kfree(), which SLOB does not support"
#endif

#define KLPX_SHADOW_MIN_SHIFT		4
/* Chains moved per lock hold while resizing: bounds the IRQs-off time. */
#define KLPX_SHADOW_RESIZE_BATCH	64

/*
 * A table pointer is the address of its bucket array with, in the low
 * bits, what a hash is shifted right by to index it (64 less the table's
 * shift), and while a resize moves variables out of it, a flag.  The array
 * is exactly 1 << shift heads, at least 128 bytes: a power of two that
 * kmalloc aligns naturally and vmalloc to a page, so the low seven bits
 * are free.  Keeping the shift in a header instead would make every array
 * a power of two plus a word, which kmalloc rounds up to the next size
 * class and huge vmalloc mappings to the next 2 MiB.  Keeping the flag
 * here lets a lookup that missed check with one load that nothing moved
 * under it (see klpx_shadow_lookup()).
 */
#define KLPX_SHADOW_RSHIFT_MASK	0x3fUL
#define KLPX_SHADOW_MOVING	0x40UL
#define KLPX_SHADOW_TAG_MASK	(KLPX_SHADOW_RSHIFT_MASK | KLPX_SHADOW_MOVING)

/* What a 64-bit hash is shifted right by to index @tbl. */
static inline unsigned int klpx_shadow_tbl_rshift(const struct klpx_shadow_table *tbl)
{
	return (unsigned long)tbl & KLPX_SHADOW_RSHIFT_MASK;
}

static inline unsigned int klpx_shadow_tbl_shift(const struct klpx_shadow_table *tbl)
{
	return 64 - klpx_shadow_tbl_rshift(tbl);
}

static inline bool klpx_shadow_tbl_moving(const struct klpx_shadow_table *tbl)
{
	return (unsigned long)tbl & KLPX_SHADOW_MOVING;
}

static inline struct klpx_shadow_table *
klpx_shadow_tbl_flag_moving(struct klpx_shadow_table *tbl)
{
	return (struct klpx_shadow_table *)((unsigned long)tbl |
					    KLPX_SHADOW_MOVING);
}

/* A bucket: the link to the first variable of a chain. */
typedef struct klpx_shadow_var __rcu *klpx_shadow_link_t;

static inline klpx_shadow_link_t *klpx_shadow_tbl_buckets(const struct klpx_shadow_table *tbl)
{
	return (klpx_shadow_link_t *)((unsigned long)tbl & ~KLPX_SHADOW_TAG_MASK);
}

static struct klpx_shadow_table *klpx_shadow_table_alloc(unsigned int shift)
{
	klpx_shadow_link_t *buckets;

	BUILD_BUG_ON((sizeof(*buckets) << KLPX_SHADOW_MIN_SHIFT) <=
		     KLPX_SHADOW_TAG_MASK);
	buckets = kvcalloc(1UL << shift, sizeof(*buckets), GFP_KERNEL);
	if (!buckets)
		return NULL;
	if (WARN_ON_ONCE((unsigned long)buckets & KLPX_SHADOW_TAG_MASK)) {
		kvfree(buckets);
		return NULL;
	}
	return (struct klpx_shadow_table *)((unsigned long)buckets |
					    (64 - shift));
}

static void klpx_shadow_table_free(struct klpx_shadow_table *tbl)
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
 * Parent objects are often spaced by a slab's object size, and a single
 * golden-ratio multiply maps some such strides (48, 96 bytes...) onto a
 * fraction of the buckets.  Folding the product's high half down and
 * multiplying again spreads every stride like random keys.
 */
static inline klpx_shadow_link_t *
klpx_shadow_bucket(struct klpx_shadow_table *tbl, const void *obj)
{
	u64 x = (u64)(unsigned long)obj * GOLDEN_RATIO_64;

	/* hash_64() shifts right by 64 less its bits: by the rshift. */
	return &klpx_shadow_tbl_buckets(tbl)[hash_64(x ^ (x >> 32),
						     64 - klpx_shadow_tbl_rshift(tbl))];
}

/* Size of table for @count variables: load factor between 1/2 and 1. */
static unsigned int klpx_shadow_target_shift(unsigned long count)
{
	if (count < (1UL << KLPX_SHADOW_MIN_SHIFT))
		return KLPX_SHADOW_MIN_SHIFT;
	return ilog2(count) + 1;
}

/* A link read under class->lock, or by a reader under rcu_read_lock(). */
#define klpx_shadow_deref(class, link) \
	rcu_dereference_check(link, lockdep_is_held(&(class)->lock))
#define klpx_shadow_deref_locked(class, link) \
	rcu_dereference_protected(link, lockdep_is_held(&(class)->lock))

/* Under rcu_read_lock() or class->lock. */
static __always_inline struct klpx_shadow_var *
klpx_shadow_chain_find(struct klpx_shadow_class *class,
		       struct klpx_shadow_table *tbl, const void *obj)
{
	struct klpx_shadow_var *var;

	for (var = klpx_shadow_deref(class, *klpx_shadow_bucket(tbl, obj));
	     var; var = klpx_shadow_deref(class, var->next)) {
		if (var->obj == obj)
			return var;
	}
	return NULL;
}

/* A miss that a resize may have caused: retried while variables move. */
static noinline struct klpx_shadow_var *
klpx_shadow_lookup_slow(struct klpx_shadow_class *class, const void *obj)
{
	struct klpx_shadow_table *tbl;
	struct klpx_shadow_var *var;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&class->seq);
		var = klpx_shadow_chain_find(class, rcu_dereference(class->tbl),
					     obj);
		if (var)
			return var;
		tbl = rcu_dereference(class->new_tbl);
		if (tbl) {
			var = klpx_shadow_chain_find(class, tbl, obj);
			if (var)
				return var;
		}
	} while (read_seqcount_retry(&class->seq, seq));
	return NULL;
}

/*
 * Lockless lookup; the caller holds rcu_read_lock().  A hit needs no
 * check: a variable's key never changes and its memory outlives us.  A
 * miss is final when no resize was under way, which costs one load after
 * the walk and nothing on a hit.  A resize flags @tbl as moving (release)
 * before it moves anything, and ends by replacing it with the new table:
 *
 * - a walk that a move led astray read a link the move wrote (a release
 *   store after the flag's): so @tbl, read again after the walk, is
 *   flagged or another table;
 * - it cannot come back as the same unflagged pointer meanwhile: a table
 *   a resize replaced is freed after a grace period, not while we read.
 *
 * A miss in a flagged table, or with @tbl changed, goes the slow way,
 * which retries on @seq.
 */
static __always_inline struct klpx_shadow_var *
klpx_shadow_lookup(struct klpx_shadow_class *class, const void *obj)
{
	struct klpx_shadow_table *tbl = rcu_dereference(class->tbl);
	struct klpx_shadow_var *var;

	var = klpx_shadow_chain_find(class, tbl, obj);
	if (likely(var))
		return var;
	/* Pairs with the release stores of klpx_shadow_resize(). */
	smp_rmb();
	if (likely(!klpx_shadow_tbl_moving(tbl) &&
		   rcu_access_pointer(class->tbl) == tbl))
		return NULL;
	return klpx_shadow_lookup_slow(class, obj);
}

static inline struct klpx_shadow_table *
klpx_shadow_locked_tbl(struct klpx_shadow_class *class,
		       struct klpx_shadow_table __rcu **p)
{
	return rcu_dereference_protected(*p, lockdep_is_held(&class->lock));
}

/* The link to @obj's variable in the chain of @tbl, or NULL.  Under class->lock. */
static klpx_shadow_link_t *
__klpx_shadow_chain_link(struct klpx_shadow_class *class,
			 struct klpx_shadow_table *tbl, const void *obj)
{
	klpx_shadow_link_t *link = klpx_shadow_bucket(tbl, obj);
	struct klpx_shadow_var *var;

	while ((var = klpx_shadow_deref_locked(class, *link))) {
		if (var->obj == obj)
			return link;
		link = &var->next;
	}
	return NULL;
}

/*
 * The link to @obj's variable, in either table, or NULL.  The caller holds
 * class->lock; no move is in progress then.
 */
static klpx_shadow_link_t *
__klpx_shadow_find(struct klpx_shadow_class *class, const void *obj)
{
	struct klpx_shadow_table *tbl;
	klpx_shadow_link_t *link;

	link = __klpx_shadow_chain_link(class,
					klpx_shadow_locked_tbl(class, &class->tbl),
					obj);
	if (link)
		return link;
	tbl = klpx_shadow_locked_tbl(class, &class->new_tbl);
	return tbl ? __klpx_shadow_chain_link(class, tbl, obj) : NULL;
}

/* The caller holds class->lock. */
static void __klpx_shadow_maybe_resize(struct klpx_shadow_class *class)
{
	struct klpx_shadow_table *tbl;
	unsigned int shift;

	if (class->resize_pending || class->dead)
		return;
	tbl = klpx_shadow_locked_tbl(class, &class->tbl);
	shift = klpx_shadow_target_shift(class->count);
	/* Grow past load 1; shrink below load 1/8 (hysteresis). */
	if (shift > klpx_shadow_tbl_shift(tbl) ||
	    shift + 2 < klpx_shadow_tbl_shift(tbl)) {
		class->resize_pending = true;
		irq_work_queue(&class->resize_kick);
	}
}

/* From an interrupt, holding none of the caller's locks. */
static void klpx_shadow_resize_kick(struct irq_work *work)
{
	struct klpx_shadow_class *class =
		container_of(work, struct klpx_shadow_class, resize_kick);

	schedule_work(&class->resize_work);
}

/*
 * A write section of @seq: readers that missed meanwhile retry.  Inside
 * class->lock; IRQs off and no preemption even on PREEMPT_RT, so readers
 * spinning on @seq, in hard IRQ context too, wait a bounded time.
 */
static unsigned long klpx_shadow_move_begin(struct klpx_shadow_class *class)
	__acquires(&class->move_lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&class->move_lock, flags);
	write_seqcount_begin(&class->seq);
	return flags;
}

static void klpx_shadow_move_end(struct klpx_shadow_class *class,
				 unsigned long flags)
	__releases(&class->move_lock)
{
	write_seqcount_end(&class->seq);
	raw_spin_unlock_irqrestore(&class->move_lock, flags);
}

/* The caller holds class->lock. */
static void __klpx_shadow_insert(struct klpx_shadow_class *class,
				 struct klpx_shadow_var *var)
{
	struct klpx_shadow_table *tbl;
	klpx_shadow_link_t *bucket;

	tbl = klpx_shadow_locked_tbl(class, &class->new_tbl);
	if (!tbl)
		tbl = klpx_shadow_locked_tbl(class, &class->tbl);
	bucket = klpx_shadow_bucket(tbl, var->obj);
	RCU_INIT_POINTER(var->next, klpx_shadow_deref_locked(class, *bucket));
	rcu_assign_pointer(*bucket, var);
	list_add(&var->node, &class->vars);
	WRITE_ONCE(class->count, class->count + 1);
	__klpx_shadow_maybe_resize(class);
}

static void klpx_shadow_var_free_rcu(struct rcu_head *head)
{
	/* kfree() finds the slab cache from the object itself. */
	kfree(container_of(head, struct klpx_shadow_var, rcu));
}

/*
 * Unlink the variable @link points to, call @dtor, free after a grace
 * period.  The caller holds class->lock; the resize check is left to the
 * caller.  The variable's own @next stays: readers on it walk on.
 */
static void __klpx_shadow_destroy(struct klpx_shadow_class *class,
				  klpx_shadow_link_t *link,
				  klpx_shadow_dtor_t dtor)
{
	struct klpx_shadow_var *var = klpx_shadow_deref_locked(class, *link);

	/* Released: a reader reaching the next variable sees it whole. */
	rcu_assign_pointer(*link, klpx_shadow_deref_locked(class, var->next));
	/* @node is over: its space is @rcu's from here on. */
	list_del(&var->node);
	WRITE_ONCE(class->count, class->count - 1);
	if (dtor)
		dtor(var->obj, var->data);
	call_rcu(&var->rcu, klpx_shadow_var_free_rcu);
}

/*
 * Move the first variable of chain @from to the head of chain @to.
 * Readers may be standing on it: one that follows its new @next lands in
 * @to and may miss what was behind it in @from; the caller's @seq write
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

/* Move chains [@first, @last) of @old to @new.  Under class->lock. */
static void klpx_shadow_move_chains(struct klpx_shadow_class *class,
				    struct klpx_shadow_table *old,
				    struct klpx_shadow_table *new,
				    unsigned long first, unsigned long last)
{
	klpx_shadow_link_t *from;
	struct klpx_shadow_var *var;
	unsigned long i;

	for (i = first; i < last; i++) {
		from = &klpx_shadow_tbl_buckets(old)[i];
		while ((var = klpx_shadow_deref_locked(class, *from)))
			klpx_shadow_move(class, from,
					 klpx_shadow_bucket(new, var->obj));
	}
}

static void klpx_shadow_resize(struct work_struct *work)
{
	struct klpx_shadow_class *class =
		container_of(work, struct klpx_shadow_class, resize_work);
	struct klpx_shadow_retired *retired = NULL;
	struct klpx_shadow_table *old, *new = NULL;
	unsigned long flags, mflags, i, n;
	unsigned int shift;

	spin_lock_irqsave(&class->lock, flags);
	old = klpx_shadow_locked_tbl(class, &class->tbl);
	shift = klpx_shadow_target_shift(class->count);
	spin_unlock_irqrestore(&class->lock, flags);

	if (shift != klpx_shadow_tbl_shift(old)) {
		retired = kmalloc(sizeof(*retired), GFP_KERNEL);
		if (retired)
			new = klpx_shadow_table_alloc(shift);
	}

	spin_lock_irqsave(&class->lock, flags);
	if (!new || class->dead) {
		/* Nothing to do, or no memory: the next change retries. */
		class->resize_pending = false;
		spin_unlock_irqrestore(&class->lock, flags);
		klpx_shadow_table_free(new);
		kfree(retired);
		return;
	}
	rcu_assign_pointer(class->new_tbl, new);
	/* Misses in @old are no longer final: see klpx_shadow_lookup(). */
	rcu_assign_pointer(class->tbl, klpx_shadow_tbl_flag_moving(old));
	spin_unlock_irqrestore(&class->lock, flags);

	n = 1UL << klpx_shadow_tbl_shift(old);
	for (i = 0; i < n; i += KLPX_SHADOW_RESIZE_BATCH) {
		spin_lock_irqsave(&class->lock, flags);
		if (class->dead) {
			/* Garbage collection drains both tables. */
			spin_unlock_irqrestore(&class->lock, flags);
			kfree(retired);
			return;
		}
		mflags = klpx_shadow_move_begin(class);
		klpx_shadow_move_chains(class, old, new, i,
					min(i + KLPX_SHADOW_RESIZE_BATCH, n));
		klpx_shadow_move_end(class, mflags);
		spin_unlock_irqrestore(&class->lock, flags);
		cond_resched();
	}

	spin_lock_irqsave(&class->lock, flags);
	if (class->dead) {
		spin_unlock_irqrestore(&class->lock, flags);
		kfree(retired);
		return;
	}
	mflags = klpx_shadow_move_begin(class);
	rcu_assign_pointer(class->tbl, new);
	/* A slow lookup finds @new in @tbl before @new_tbl clears. */
	smp_wmb();
	RCU_INIT_POINTER(class->new_tbl, NULL);
	klpx_shadow_move_end(class, mflags);
	class->resize_pending = false;
	/* The count may have moved on meanwhile. */
	__klpx_shadow_maybe_resize(class);
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

	tbl = klpx_shadow_table_alloc(KLPX_SHADOW_MIN_SHIFT);
	if (!tbl)
		goto err_name;
	RCU_INIT_POINTER(class->tbl, tbl);

	lockdep_register_key(&class->lock_key);
	spin_lock_init(&class->lock);
	INIT_LIST_HEAD(&class->vars);
	lockdep_set_class(&class->lock, &class->lock_key);
	raw_spin_lock_init(&class->move_lock);
	seqcount_raw_spinlock_init(&class->seq, &class->move_lock);
	/* Hard: on PREEMPT_RT too it runs at once, not in a thread. */
	class->resize_kick = IRQ_WORK_INIT_HARD(klpx_shadow_resize_kick);
	INIT_WORK(&class->resize_work, klpx_shadow_resize);
	return class;

err_name:
	kfree(class->name);
err_class:
	kfree(class);
	return ERR_PTR(-ENOMEM);
}

/* After this, every change to the id fails; lockless readers still work. */
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

/*
 * Destroy every variable of a dead class nobody can reach any more (no
 * reader, no writer), with @dtor.  The frees queued earlier by
 * klpx_shadow_free() may still be pending: rcu_barrier() before the
 * class's slab cache may go.
 */
void klpx_shadow_class_drain(struct klpx_shadow_class *class,
			     klpx_shadow_dtor_t dtor)
{
	/* The class is dead: neither is queued again. */
	irq_work_sync(&class->resize_kick);
	cancel_work_sync(&class->resize_work);
	klpx_shadow_table_drain(class, rcu_dereference_protected(class->tbl, 1),
				dtor);
	klpx_shadow_table_drain(class,
				rcu_dereference_protected(class->new_tbl, 1),
				dtor);
	RCU_INIT_POINTER(class->tbl, NULL);
	RCU_INIT_POINTER(class->new_tbl, NULL);
}

/* Free a drained class (its slab cache is the registry's). */
void klpx_shadow_class_free(struct klpx_shadow_class *class)
{
	lockdep_unregister_key(&class->lock_key);
	kfree(class->name);
	kfree(class);
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
	struct klpx_shadow_class *class;
	struct klpx_shadow_var *var = NULL;

	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	if (likely(class))
		var = klpx_shadow_lookup(class, obj);
	else
		klpx_shadow_report_unregistered(type);
	rcu_read_unlock();

	return var ? var->data : NULL;
}
EXPORT_SYMBOL_GPL(klpx_shadow_get);

static void klpx_shadow_warn_duplicate(const struct klpx_shadow_type *type,
				       const void *obj)
{
	WARN(1, "klpx: shadow %s (id 0x%lx) already exists for %p\n",
	     type->name, type->id, obj);
}

/*
 * Create @obj's variable in @class, or find it if !@exclusive; the lookup
 * before found nothing.  The caller keeps @class alive across the
 * allocation: under rcu_read_lock() when @gfp_flags cannot sleep, else
 * under klpx_shadow_srcu.  *@nomem is set when the allocation failed.
 */
static void *klpx_shadow_create_in(struct klpx_shadow_class *class, void *obj,
				   struct klpx_shadow_type *type,
				   gfp_t gfp_flags, void *ctor_data,
				   bool exclusive, bool *nomem)
{
	struct klpx_shadow_var *new;
	klpx_shadow_link_t *link;
	struct kmem_cache *slab;
	unsigned long flags;
	void *data = NULL;
	int ret;

	if (unlikely(type->size != class->size)) {
		pr_err_ratelimited("shadow type %s (id 0x%lx) has size %zu, registered %zu\n",
				   type->name, type->id, type->size, class->size);
		return NULL;
	}

	slab = class->cache->slab;
	new = kmem_cache_zalloc(slab, gfp_flags);
	if (!new) {
		*nomem = true;
		return NULL;
	}
	new->obj = obj;

	spin_lock_irqsave(&class->lock, flags);
	if (unlikely(class->dead)) {
		spin_unlock_irqrestore(&class->lock, flags);
		kmem_cache_free(slab, new);
		klpx_shadow_report_unregistered(type);
		return NULL;
	}
	link = __klpx_shadow_find(class, obj);
	if (link) {
		/* Lost a race, or a duplicate: drop the spare. */
		if (!exclusive)
			data = klpx_shadow_deref_locked(class, *link)->data;
		spin_unlock_irqrestore(&class->lock, flags);
		kmem_cache_free(slab, new);
		if (exclusive)
			klpx_shadow_warn_duplicate(type, obj);
		return data;
	}
	ret = type->ctor ? type->ctor(obj, new->data, ctor_data) : 0;
	if (unlikely(ret)) {
		spin_unlock_irqrestore(&class->lock, flags);
		kmem_cache_free(slab, new);
		pr_err_ratelimited("shadow type %s (id 0x%lx): ctor failed with error %d; no variable added\n",
				   type->name, type->id, ret);
		return NULL;
	}
	__klpx_shadow_insert(class, new);
	spin_unlock_irqrestore(&class->lock, flags);
	return new->data;
}

/*
 * The allocation that may sleep, after the one that could not failed:
 * klpx_shadow_srcu, held across it, keeps the class alive.
 */
static noinline void *klpx_shadow_create_sleeping(void *obj,
						  struct klpx_shadow_type *type,
						  gfp_t gfp_flags,
						  void *ctor_data,
						  bool exclusive)
{
	struct klpx_shadow_class *class;
	bool nomem = false;
	void *data = NULL;
	int idx;

	idx = srcu_read_lock(&klpx_shadow_srcu);
	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	rcu_read_unlock();
	if (likely(class))
		data = klpx_shadow_create_in(class, obj, type, gfp_flags,
					     ctor_data, exclusive, &nomem);
	else
		klpx_shadow_report_unregistered(type);
	srcu_read_unlock(&klpx_shadow_srcu, idx);
	return data;
}

/*
 * The first allocation of a creation happens under rcu_read_lock(), so
 * it must not sleep: the caller's flags less direct reclaim (and the
 * promise never to fail, which needs it), quietly, as a sleeping attempt
 * follows a failure.
 */
static inline gfp_t klpx_shadow_gfp_nosleep(gfp_t gfp_flags)
{
	if (!gfpflags_allow_blocking(gfp_flags))
		return gfp_flags;
	return (gfp_flags & ~(__GFP_DIRECT_RECLAIM | __GFP_NOFAIL)) |
		__GFP_NOWARN;
}

/*
 * A hit costs what klpx_shadow_get() costs: no SRCU, no lock.  A creation
 * takes the id's lock, and SRCU only if an allocation has to sleep.
 */
static __always_inline void *klpx_shadow_create(void *obj,
						struct klpx_shadow_type *type,
						gfp_t gfp_flags,
						void *ctor_data,
						bool exclusive)
{
	struct klpx_shadow_class *class;
	struct klpx_shadow_var *var = NULL;
	bool nomem = false;
	void *data;

	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	if (likely(class))
		var = klpx_shadow_lookup(class, obj);
	if (likely(var)) {
		rcu_read_unlock();
		/* A duplicate is a bug, whether memory is short or not. */
		if (!exclusive)
			return var->data;
		klpx_shadow_warn_duplicate(type, obj);
		return NULL;
	}
	if (unlikely(!class)) {
		rcu_read_unlock();
		klpx_shadow_report_unregistered(type);
		return NULL;
	}
	data = klpx_shadow_create_in(class, obj, type,
				     klpx_shadow_gfp_nosleep(gfp_flags),
				     ctor_data, exclusive, &nomem);
	rcu_read_unlock();
	if (likely(!nomem) || !gfpflags_allow_blocking(gfp_flags))
		return data;
	return klpx_shadow_create_sleeping(obj, type, gfp_flags, ctor_data,
					   exclusive);
}

/**
 * klpx_shadow_alloc() - create the shadow variable of an object
 * @obj:	the parent object (may be NULL: global state)
 * @type:	the variable's type
 * @gfp_flags:	allocation flags; GFP_ATOMIC is fine in atomic context
 * @ctor_data:	passed to @type->ctor
 *
 * Allocates @type->size zeroed bytes and runs @type->ctor on them before
 * the variable becomes visible.  The allocation happens outside any lock;
 * the ctor runs under the id's lock, in atomic context.
 *
 * Context: any context but NMI; may sleep if @gfp_flags allow it.  On
 * PREEMPT_RT, where the id's spinlock_t sleeps: not in hard IRQ context
 * nor under a raw spinlock.
 * Return: the new variable's data; NULL if one already exists for @obj
 * (with a WARN), if the ctor failed, on allocation failure, or if the id is
 * not registered.
 */
void *klpx_shadow_alloc(void *obj, struct klpx_shadow_type *type,
			gfp_t gfp_flags, void *ctor_data)
{
	return klpx_shadow_create(obj, type, gfp_flags, ctor_data, true);
}
EXPORT_SYMBOL_GPL(klpx_shadow_alloc);

/**
 * klpx_shadow_get_or_alloc() - find or create the shadow variable of an object
 * @obj:	the parent object (may be NULL: global state)
 * @type:	the variable's type
 * @gfp_flags:	allocation flags; GFP_ATOMIC is fine in atomic context
 * @ctor_data:	passed to @type->ctor when a variable is created
 *
 * Racing callers for the same @obj all get the same variable, and the ctor
 * runs exactly once.
 *
 * Context: any context but NMI; may sleep if @gfp_flags allow it.  On
 * PREEMPT_RT, where the id's spinlock_t sleeps: not in hard IRQ context
 * nor under a raw spinlock.
 * Return: the existing or new variable's data; NULL if the ctor failed, on
 * allocation failure, or if the id is not registered.
 */
void *klpx_shadow_get_or_alloc(void *obj, struct klpx_shadow_type *type,
			       gfp_t gfp_flags, void *ctor_data)
{
	return klpx_shadow_create(obj, type, gfp_flags, ctor_data, false);
}
EXPORT_SYMBOL_GPL(klpx_shadow_get_or_alloc);

/**
 * klpx_shadow_free() - destroy the shadow variable of an object
 * @obj:	the parent object
 * @type:	the variable's type; its dtor is called
 *
 * If @obj has a variable of @type's id, it is removed, @type->dtor is
 * called once (under the id's lock) and the memory is freed after an RCU
 * grace period.
 *
 * Context: any context but NMI.  On PREEMPT_RT, where the id's spinlock_t
 * sleeps: not in hard IRQ context nor under a raw spinlock.
 */
void klpx_shadow_free(void *obj, struct klpx_shadow_type *type)
{
	struct klpx_shadow_class *class;
	klpx_shadow_link_t *link;
	unsigned long flags;

	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	if (unlikely(!class)) {
		klpx_shadow_report_unregistered(type);
		goto out;
	}
	spin_lock_irqsave(&class->lock, flags);
	if (likely(!class->dead)) {
		link = __klpx_shadow_find(class, obj);
		if (link) {
			__klpx_shadow_destroy(class, link, type->dtor);
			__klpx_shadow_maybe_resize(class);
		}
	}
	spin_unlock_irqrestore(&class->lock, flags);
out:
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(klpx_shadow_free);

/**
 * klpx_shadow_free_all() - destroy every shadow variable of an id
 * @type:	the variables' type; its dtor is called once per variable
 *
 * Costs time proportional to the number of variables of @type's id, not to
 * the number of variables of other ids, which are not touched, nor to the
 * size of its table: the id's list of variables leads to each, and only
 * their own chains are walked (a table much larger than its variables,
 * after many frees and before the shrink they queue, costs nothing).
 *
 * Context: any context but NMI.  On PREEMPT_RT, where the id's spinlock_t
 * sleeps: not in hard IRQ context nor under a raw spinlock.
 */
void klpx_shadow_free_all(struct klpx_shadow_type *type)
{
	struct klpx_shadow_class *class;
	struct klpx_shadow_var *var;
	klpx_shadow_link_t *link;
	unsigned long flags;

	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	if (unlikely(!class)) {
		klpx_shadow_report_unregistered(type);
		goto out;
	}
	spin_lock_irqsave(&class->lock, flags);
	if (unlikely(class->dead))
		goto unlock;
	while (!list_empty(&class->vars)) {
		var = list_first_entry(&class->vars, struct klpx_shadow_var,
				       node);
		/* Every listed variable is in one of the tables. */
		link = __klpx_shadow_find(class, var->obj);
		if (WARN_ON_ONCE(!link))
			break;
		__klpx_shadow_destroy(class, link, type->dtor);
	}
	__klpx_shadow_maybe_resize(class);
unlock:
	spin_unlock_irqrestore(&class->lock, flags);
out:
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(klpx_shadow_free_all);

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
