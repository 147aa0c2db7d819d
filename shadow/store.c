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
 * Resizing runs in a work item.  It allocates the new table with
 * GFP_KERNEL, then moves the chains over in small batches, each under the
 * id's lock and inside a write section of @seq.  A lockless reader looks in
 * @tbl and then @new_tbl; a variable being moved may lead it astray, so a
 * miss is retried when @seq changed.  A hit is always right: a variable's
 * key never changes and its memory outlives every reader.
 */

#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/rculist.h>
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
 * A table pointer is the address of its bucket array with the shift in the
 * low bits.  The array is exactly 1 << shift heads, at least 128 bytes: a
 * power of two that kmalloc aligns naturally and vmalloc to a page, so the
 * low bits are free.  Keeping the shift in a header instead would make
 * every array a power of two plus a word, which kmalloc rounds up to the
 * next size class and huge vmalloc mappings to the next 2 MiB.
 */
#define KLPX_SHADOW_SHIFT_MASK	0x3fUL

static inline unsigned int klpx_shadow_tbl_shift(const struct klpx_shadow_table *tbl)
{
	return (unsigned long)tbl & KLPX_SHADOW_SHIFT_MASK;
}

static inline struct hlist_head *klpx_shadow_tbl_buckets(const struct klpx_shadow_table *tbl)
{
	return (struct hlist_head *)((unsigned long)tbl & ~KLPX_SHADOW_SHIFT_MASK);
}

static struct klpx_shadow_table *klpx_shadow_table_alloc(unsigned int shift)
{
	struct hlist_head *buckets;

	BUILD_BUG_ON((sizeof(*buckets) << KLPX_SHADOW_MIN_SHIFT) <=
		     KLPX_SHADOW_SHIFT_MASK);
	buckets = kvcalloc(1UL << shift, sizeof(*buckets), GFP_KERNEL);
	if (!buckets)
		return NULL;
	if (WARN_ON_ONCE((unsigned long)buckets & KLPX_SHADOW_SHIFT_MASK)) {
		kvfree(buckets);
		return NULL;
	}
	return (struct klpx_shadow_table *)((unsigned long)buckets | shift);
}

static void klpx_shadow_table_free(struct klpx_shadow_table *tbl)
{
	if (tbl)
		kvfree(klpx_shadow_tbl_buckets(tbl));
}

/*
 * Parent objects are often spaced by a slab's object size, and a single
 * golden-ratio multiply maps some such strides (48, 96 bytes...) onto a
 * fraction of the buckets.  Folding the product's high half down and
 * multiplying again spreads every stride like random keys.
 */
static inline struct hlist_head *
klpx_shadow_bucket(struct klpx_shadow_table *tbl, const void *obj)
{
	u64 x = (u64)(unsigned long)obj * GOLDEN_RATIO_64;

	return &klpx_shadow_tbl_buckets(tbl)[hash_64(x ^ (x >> 32),
						     klpx_shadow_tbl_shift(tbl))];
}

/* Size of table for @count variables: load factor between 1/2 and 1. */
static unsigned int klpx_shadow_target_shift(unsigned long count)
{
	if (count < (1UL << KLPX_SHADOW_MIN_SHIFT))
		return KLPX_SHADOW_MIN_SHIFT;
	return ilog2(count) + 1;
}

/* Under rcu_read_lock() or class->lock. */
static __always_inline struct klpx_shadow_var *
klpx_shadow_chain_find(struct klpx_shadow_class *class,
		       struct klpx_shadow_table *tbl, const void *obj)
{
	struct klpx_shadow_var *var;

	hlist_for_each_entry_rcu(var, klpx_shadow_bucket(tbl, obj), node,
				 lockdep_is_held(&class->lock)) {
		if (var->obj == obj)
			return var;
	}
	return NULL;
}

/* A lookup that missed: retried while a resize moves variables. */
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
 * retry (a variable's key never changes and its memory outlives us), so
 * only a miss pays for @seq and @new_tbl.
 */
static __always_inline struct klpx_shadow_var *
klpx_shadow_lookup(struct klpx_shadow_class *class, const void *obj)
{
	struct klpx_shadow_var *var;

	var = klpx_shadow_chain_find(class, rcu_dereference(class->tbl), obj);
	if (likely(var))
		return var;
	return klpx_shadow_lookup_slow(class, obj);
}

static inline struct klpx_shadow_table *
klpx_shadow_locked_tbl(struct klpx_shadow_class *class,
		       struct klpx_shadow_table __rcu **p)
{
	return rcu_dereference_protected(*p, lockdep_is_held(&class->lock));
}

/* The caller holds class->lock; no move is in progress then. */
static struct klpx_shadow_var *
__klpx_shadow_find(struct klpx_shadow_class *class, const void *obj)
{
	struct klpx_shadow_table *tbl;
	struct klpx_shadow_var *var;

	var = klpx_shadow_chain_find(class,
				     klpx_shadow_locked_tbl(class, &class->tbl),
				     obj);
	if (var)
		return var;
	tbl = klpx_shadow_locked_tbl(class, &class->new_tbl);
	return tbl ? klpx_shadow_chain_find(class, tbl, obj) : NULL;
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
		schedule_work(&class->resize_work);
	}
}

/* The caller holds class->lock. */
static void __klpx_shadow_insert(struct klpx_shadow_class *class,
				 struct klpx_shadow_var *var)
{
	struct klpx_shadow_table *tbl;

	tbl = klpx_shadow_locked_tbl(class, &class->new_tbl);
	if (!tbl)
		tbl = klpx_shadow_locked_tbl(class, &class->tbl);
	hlist_add_head_rcu(&var->node, klpx_shadow_bucket(tbl, var->obj));
	WRITE_ONCE(class->count, class->count + 1);
	__klpx_shadow_maybe_resize(class);
}

static void klpx_shadow_var_free_rcu(struct rcu_head *head)
{
	/* kfree() finds the id's slab cache from the object itself. */
	kfree(container_of(head, struct klpx_shadow_var, rcu));
}

/*
 * Remove @var, call @dtor, free after a grace period.  The caller holds
 * class->lock; the resize check is left to the caller.
 */
static void __klpx_shadow_destroy(struct klpx_shadow_class *class,
				  struct klpx_shadow_var *var,
				  klpx_shadow_dtor_t dtor)
{
	hlist_del_rcu(&var->node);
	WRITE_ONCE(class->count, class->count - 1);
	if (dtor)
		dtor(var->obj, var->data);
	call_rcu(&var->rcu, klpx_shadow_var_free_rcu);
}

/*
 * Move a live variable to the head of chain @h.  Unlike for a new node,
 * readers may be standing on @var: its links change with marked stores.
 * A reader that follows the new ->next lands in @h and may miss what was
 * behind @var in its old chain; the caller's @seq write section makes it
 * retry.  The caller holds class->lock.
 */
static void klpx_shadow_move(struct klpx_shadow_var *var, struct hlist_head *h)
{
	struct hlist_node *first = h->first;

	hlist_del_rcu(&var->node);
	rcu_assign_pointer(hlist_next_rcu(&var->node), first);
	WRITE_ONCE(var->node.pprev, &h->first);
	rcu_assign_pointer(hlist_first_rcu(h), &var->node);
	if (first)
		WRITE_ONCE(first->pprev, &var->node.next);
}

static void klpx_shadow_resize(struct work_struct *work)
{
	struct klpx_shadow_class *class =
		container_of(work, struct klpx_shadow_class, resize_work);
	struct klpx_shadow_table *old, *new;
	struct klpx_shadow_var *var;
	struct hlist_node *tmp;
	unsigned long flags, i, j, n;
	unsigned int shift;

	spin_lock_irqsave(&class->lock, flags);
	old = klpx_shadow_locked_tbl(class, &class->tbl);
	shift = klpx_shadow_target_shift(class->count);
	spin_unlock_irqrestore(&class->lock, flags);

	new = shift != klpx_shadow_tbl_shift(old) ?
		klpx_shadow_table_alloc(shift) : NULL;

	spin_lock_irqsave(&class->lock, flags);
	if (!new || class->dead) {
		/* Nothing to do, or no memory: the next change retries. */
		class->resize_pending = false;
		spin_unlock_irqrestore(&class->lock, flags);
		klpx_shadow_table_free(new);
		return;
	}
	rcu_assign_pointer(class->new_tbl, new);
	spin_unlock_irqrestore(&class->lock, flags);

	n = 1UL << klpx_shadow_tbl_shift(old);
	for (i = 0; i < n; i += KLPX_SHADOW_RESIZE_BATCH) {
		spin_lock_irqsave(&class->lock, flags);
		if (class->dead) {
			/* Garbage collection drains both tables. */
			spin_unlock_irqrestore(&class->lock, flags);
			return;
		}
		write_seqcount_begin(&class->seq);
		for (j = i; j < min(i + KLPX_SHADOW_RESIZE_BATCH, n); j++) {
			hlist_for_each_entry_safe(var, tmp,
						  &klpx_shadow_tbl_buckets(old)[j], node)
				klpx_shadow_move(var, klpx_shadow_bucket(new, var->obj));
		}
		write_seqcount_end(&class->seq);
		spin_unlock_irqrestore(&class->lock, flags);
		cond_resched();
	}

	spin_lock_irqsave(&class->lock, flags);
	if (class->dead) {
		spin_unlock_irqrestore(&class->lock, flags);
		return;
	}
	write_seqcount_begin(&class->seq);
	rcu_assign_pointer(class->tbl, new);
	RCU_INIT_POINTER(class->new_tbl, NULL);
	write_seqcount_end(&class->seq);
	class->resize_pending = false;
	/* The count may have moved on meanwhile. */
	__klpx_shadow_maybe_resize(class);
	spin_unlock_irqrestore(&class->lock, flags);

	synchronize_rcu();
	klpx_shadow_table_free(old);
}

struct klpx_shadow_class *klpx_shadow_class_create(const struct klpx_shadow_type *type)
{
	struct klpx_shadow_class *class;
	struct klpx_shadow_table *tbl;
	char cache_name[32];

	class = kzalloc(sizeof(*class), GFP_KERNEL);
	if (!class)
		return ERR_PTR(-ENOMEM);
	class->id = type->id;
	class->size = type->size;
	class->name = kstrdup(type->name, GFP_KERNEL);
	if (!class->name)
		goto err_class;

	/* Ids are unique while registered, so is the cache's name. */
	snprintf(cache_name, sizeof(cache_name), "klpx_shadow_%lu", type->id);
	class->cache = kmem_cache_create(cache_name,
					 struct_size((struct klpx_shadow_var *)NULL,
						     data, type->size),
					 __alignof__(struct klpx_shadow_var),
					 0, NULL);
	if (!class->cache)
		goto err_name;

	tbl = klpx_shadow_table_alloc(KLPX_SHADOW_MIN_SHIFT);
	if (!tbl)
		goto err_cache;
	RCU_INIT_POINTER(class->tbl, tbl);

	spin_lock_init(&class->lock);
	seqcount_spinlock_init(&class->seq, &class->lock);
	INIT_WORK(&class->resize_work, klpx_shadow_resize);
	return class;

err_cache:
	kmem_cache_destroy(class->cache);
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
	struct klpx_shadow_var *var;
	struct hlist_node *tmp;
	unsigned long i;

	if (!tbl)
		return;
	for (i = 0; i < (1UL << klpx_shadow_tbl_shift(tbl)); i++) {
		hlist_for_each_entry_safe(var, tmp,
					  &klpx_shadow_tbl_buckets(tbl)[i], node) {
			if (dtor)
				dtor(var->obj, var->data);
			kmem_cache_free(class->cache, var);
		}
		if (!(i % 1024))
			cond_resched();
	}
	klpx_shadow_table_free(tbl);
}

/*
 * Destroy every variable of a dead class nobody can reach any more (no
 * reader, no writer), with @dtor.  The frees queued earlier by
 * klpx_shadow_free() may still be pending: rcu_barrier() before
 * klpx_shadow_class_free().
 */
void klpx_shadow_class_drain(struct klpx_shadow_class *class,
			     klpx_shadow_dtor_t dtor)
{
	cancel_work_sync(&class->resize_work);
	klpx_shadow_table_drain(class, rcu_dereference_protected(class->tbl, 1),
				dtor);
	klpx_shadow_table_drain(class,
				rcu_dereference_protected(class->new_tbl, 1),
				dtor);
	RCU_INIT_POINTER(class->tbl, NULL);
	RCU_INIT_POINTER(class->new_tbl, NULL);
}

/* Free a drained class, once no call_rcu() free of its variables is pending. */
void klpx_shadow_class_free(struct klpx_shadow_class *class)
{
	kmem_cache_destroy(class->cache);
	kfree(class->name);
	kfree(class);
}

/**
 * klpx_shadow_get() - find the shadow variable of an object
 * @obj:	the parent object (may be NULL)
 * @type:	the variable's type
 *
 * Lockless; O(1) expected however many variables exist.
 *
 * Context: any context but NMI.
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

static void *klpx_shadow_create(void *obj, struct klpx_shadow_type *type,
				gfp_t gfp_flags, void *ctor_data, bool exclusive)
{
	struct klpx_shadow_class *class;
	struct klpx_shadow_var *var, *new;
	unsigned long flags;
	void *data = NULL;
	int idx;

	/* Keeps the class alive across an allocation that may sleep. */
	idx = srcu_read_lock(&klpx_shadow_srcu);
	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	var = class && !exclusive ? klpx_shadow_lookup(class, obj) : NULL;
	rcu_read_unlock();
	if (unlikely(!class)) {
		klpx_shadow_report_unregistered(type);
		goto out;
	}
	if (var) {
		data = var->data;
		goto out;
	}
	if (unlikely(type->size != class->size)) {
		pr_err_ratelimited("shadow type %s (id %lu) has size %zu, registered %zu\n",
				   type->name, type->id, type->size, class->size);
		goto out;
	}

	new = kmem_cache_zalloc(class->cache, gfp_flags);
	if (!new)
		goto out;
	new->obj = obj;

	spin_lock_irqsave(&class->lock, flags);
	if (unlikely(class->dead)) {
		spin_unlock_irqrestore(&class->lock, flags);
		kmem_cache_free(class->cache, new);
		klpx_shadow_report_unregistered(type);
		goto out;
	}
	var = __klpx_shadow_find(class, obj);
	if (var) {
		/* Lost a race, or a duplicate: drop the spare. */
		spin_unlock_irqrestore(&class->lock, flags);
		kmem_cache_free(class->cache, new);
		WARN(exclusive, "klpx: shadow %s (id %lu) already exists for %p\n",
		     type->name, type->id, obj);
		data = exclusive ? NULL : var->data;
		goto out;
	}
	if (type->ctor && type->ctor(obj, new->data, ctor_data)) {
		spin_unlock_irqrestore(&class->lock, flags);
		kmem_cache_free(class->cache, new);
		goto out;
	}
	__klpx_shadow_insert(class, new);
	spin_unlock_irqrestore(&class->lock, flags);
	data = new->data;
out:
	srcu_read_unlock(&klpx_shadow_srcu, idx);
	return data;
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
 * Context: any context but NMI; may sleep if @gfp_flags allow it.
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
 * Context: any context but NMI; may sleep if @gfp_flags allow it.
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
 * Context: any context but NMI.
 */
void klpx_shadow_free(void *obj, struct klpx_shadow_type *type)
{
	struct klpx_shadow_class *class;
	struct klpx_shadow_var *var;
	unsigned long flags;

	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	if (unlikely(!class)) {
		klpx_shadow_report_unregistered(type);
		goto out;
	}
	spin_lock_irqsave(&class->lock, flags);
	if (likely(!class->dead)) {
		var = __klpx_shadow_find(class, obj);
		if (var) {
			__klpx_shadow_destroy(class, var, type->dtor);
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
 * the number of variables of other ids, which are not touched.
 *
 * Context: any context but NMI.
 */
void klpx_shadow_free_all(struct klpx_shadow_type *type)
{
	struct klpx_shadow_table *tbls[2];
	struct klpx_shadow_class *class;
	struct klpx_shadow_var *var;
	struct hlist_head *buckets;
	struct hlist_node *tmp;
	unsigned long flags, i, n;
	int t;

	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	if (unlikely(!class)) {
		klpx_shadow_report_unregistered(type);
		goto out;
	}
	spin_lock_irqsave(&class->lock, flags);
	if (unlikely(class->dead))
		goto unlock;
	tbls[0] = klpx_shadow_locked_tbl(class, &class->tbl);
	tbls[1] = klpx_shadow_locked_tbl(class, &class->new_tbl);
	for (t = 0; t < 2 && class->count; t++) {
		if (!tbls[t])
			continue;
		buckets = klpx_shadow_tbl_buckets(tbls[t]);
		n = 1UL << klpx_shadow_tbl_shift(tbls[t]);
		for (i = 0; i < n && class->count; i++) {
			hlist_for_each_entry_safe(var, tmp, &buckets[i], node)
				__klpx_shadow_destroy(class, var, type->dtor);
		}
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
 * Context: any context but NMI.
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
