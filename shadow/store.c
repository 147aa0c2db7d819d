// SPDX-License-Identifier: GPL-2.0
/*
 * The store of one shadow id: a resizable hash of variables keyed by the
 * parent object's address, changed here under the id's lock and read
 * without a lock (lookup.h, lookup.c).
 *
 * The table is our own rather than an rhashtable because changes must be
 * possible with IRQs disabled (GFP_ATOMIC callers under a spin_lock_irqsave,
 * as with the kernel's own shadow variables), and rhashtable's bucket locks
 * re-enable bottom halves, which is not allowed there.
 *
 * resize.c grows and shrinks the table, moving variables to a new one in
 * small batches, each under the id's lock and, inside it, under the raw
 * @move_lock with IRQs off.  A lockless reader looks in @tbl and then
 * @new_tbl; a variable being moved may lead it astray, so a miss is
 * retried when a batch moved its own chain meanwhile.  A hit is always
 * right: a variable's key never changes and its memory outlives every
 * reader.  Readers wait for nothing but a swap of tables or a batch moving
 * their chain, each of which runs with IRQs off and cannot be preempted,
 * also on PREEMPT_RT, where @lock sleeps: so klpx_shadow_get() works in
 * hard IRQ context there too.
 */

#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "ids.h"
#include "internal.h"
#include "lookup.h"
#include "store.h"
#include "table.h"

#ifdef CONFIG_SLOB
#error "klpx frees slab-cache objects with kfree(), which SLOB does not support"
#endif

/*
 * The link to @obj's variable in the chain of @tbl, or NULL.  Under
 * class->lock.  Inline, as the next one: on the path of every creation.
 */
static __always_inline klpx_shadow_link_t *
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
static __always_inline klpx_shadow_link_t *
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

/*
 * Add @var to the table new variables go to.  The caller holds
 * class->lock.  Returns whether the creator should grow the table (see
 * __klpx_shadow_overloaded()).
 */
static __always_inline bool __klpx_shadow_insert(struct klpx_shadow_class *class,
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
	hlist_add_head(&var->node, &class->vars);
	WRITE_ONCE(class->count, class->count + 1);
	/*
	 * Below the count the current table grows at, with no resize under
	 * way (the table is flagged then) and none backing off, a count that
	 * went up needs no resize, and the table no help (that takes load 4):
	 * one comparison, inline, on every creation, where the two checks
	 * are calls.
	 */
	tbl = klpx_shadow_locked_tbl(class, &class->tbl);
	if (likely(!klpx_shadow_tbl_moving(tbl) && !class->resize_failed_at &&
		   !(class->count >>
		     klpx_shadow_grow_shift(__klpx_shadow_natural_shift(class, tbl)))))
		return false;
	__klpx_shadow_maybe_resize(class);
	return __klpx_shadow_overloaded(class);
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
	hlist_del(&var->node);
	WRITE_ONCE(class->count, class->count - 1);
	if (dtor)
		dtor(var->obj, var->data);
	call_rcu(&var->rcu, klpx_shadow_var_free_rcu);
}

static void klpx_shadow_warn_duplicate(const struct klpx_shadow_type *type,
				       const void *obj)
{
	WARN(1, "klpx: shadow %s (id 0x%lx) already exists for %p\n",
	     type->name, type->id, obj);
}

/*
 * Create @obj's variable in @class, or find it if !@exclusive; the lookup
 * before found nothing.  The caller keeps @class alive across the
 * allocation: inside klpx_shadow_create_lock() when @gfp_flags cannot
 * sleep, else under klpx_shadow_srcu.  *@nomem is set when the allocation
 * failed, *@grow when the creation left the table overloaded: a caller
 * that may sleep then grows it (see resize.c).  Inline, so that the two
 * flags live in registers: a flag on the stack costs the caller a stack
 * canary.
 */
static __always_inline void *klpx_shadow_create_in(struct klpx_shadow_class *class,
						   void *obj,
						   struct klpx_shadow_type *type,
						   gfp_t gfp_flags, void *ctor_data,
						   bool exclusive, bool *nomem,
						   bool *grow)
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
	*grow = __klpx_shadow_insert(class, new);
	spin_unlock_irqrestore(&class->lock, flags);
	return new->data;
}

/*
 * The allocation that may sleep, after the one that could not failed:
 * klpx_shadow_srcu, held across it, keeps the class alive.  Then the
 * help a creation that may sleep gives (see klpx_shadow_create_missing()).
 */
static noinline void *klpx_shadow_create_sleeping(void *obj,
						  struct klpx_shadow_type *type,
						  gfp_t gfp_flags,
						  void *ctor_data,
						  bool exclusive)
{
	struct klpx_shadow_class *class;
	bool nomem = false, grow = false;
	void *data = NULL;
	int idx;

	idx = srcu_read_lock(&klpx_shadow_srcu);
	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	rcu_read_unlock();
	if (likely(class))
		data = klpx_shadow_create_in(class, obj, type, gfp_flags,
					     ctor_data, exclusive, &nomem,
					     &grow);
	else
		klpx_shadow_report_unregistered(type);
	srcu_read_unlock(&klpx_shadow_srcu, idx);
	if (grow)
		klpx_shadow_help_grow(type, gfp_flags);
	return data;
}

/*
 * The read side of a creation, from its lookup to the id's lock, which
 * keeps the class alive: with preemption off, as lookups are (see
 * klpx_shadow_read_lock()), where spinlock_t spins.  On PREEMPT_RT the
 * id's lock sleeps, which it may not do with preemption off: there,
 * rcu_read_lock().  IS_ENABLED() is a constant in the kernel; the
 * userspace harness answers it at run time, and runs both.
 */
static __always_inline void klpx_shadow_create_lock(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		rcu_read_lock();
	else
		klpx_shadow_read_lock();
}

static __always_inline void klpx_shadow_create_unlock(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		rcu_read_unlock();
	else
		klpx_shadow_read_unlock();
}

/*
 * The first allocation of a creation happens inside
 * klpx_shadow_create_lock(), so it must not sleep: the caller's flags
 * less direct reclaim (and the promise never to fail, which needs it),
 * quietly, as a sleeping attempt follows a failure.
 */
static inline gfp_t klpx_shadow_gfp_nosleep(gfp_t gfp_flags)
{
	if (!gfpflags_allow_blocking(gfp_flags))
		return gfp_flags;
	return (gfp_flags & ~(__GFP_DIRECT_RECLAIM | __GFP_NOFAIL)) |
		__GFP_NOWARN;
}

/*
 * The rest of a creation whose lookup missed: entered inside
 * klpx_shadow_create_lock(), which it leaves.  A creation whose flags
 * allow sleeping is a point where it may (a caller that never yields
 * gives way there on kernels without forced preemption), and grows the
 * table itself if it found it overloaded.  One call for both entry
 * points, and none beyond the allocation and the lock in the common case.
 */
static noinline void *klpx_shadow_create_missing(void *obj,
						 struct klpx_shadow_type *type,
						 gfp_t gfp_flags,
						 void *ctor_data,
						 bool exclusive)
	__releases(RCU)
{
	struct klpx_shadow_class *class;
	bool nomem = false, grow = false;
	void *data;

	class = klpx_shadow_class_of(type);
	if (unlikely(!class)) {
		klpx_shadow_create_unlock();
		klpx_shadow_report_unregistered(type);
		return NULL;
	}
	data = klpx_shadow_create_in(class, obj, type,
				     klpx_shadow_gfp_nosleep(gfp_flags),
				     ctor_data, exclusive, &nomem, &grow);
	klpx_shadow_create_unlock();
	if (!gfpflags_allow_blocking(gfp_flags))
		return data;
	might_sleep();
	if (unlikely(nomem))
		return klpx_shadow_create_sleeping(obj, type, gfp_flags,
						   ctor_data, exclusive);
	if (unlikely(grow))
		klpx_shadow_help_grow(type, gfp_flags);
	return data;
}

/*
 * A hit costs what klpx_shadow_get() costs: no SRCU, no lock, no call.  A
 * creation takes the id's lock, and SRCU only if an allocation has to
 * sleep.
 */
static __always_inline void *klpx_shadow_create(void *obj,
						struct klpx_shadow_type *type,
						gfp_t gfp_flags,
						void *ctor_data,
						bool exclusive)
{
	struct klpx_shadow_var *var;

	klpx_shadow_create_lock();
	var = klpx_shadow_type_lookup(type, obj, false);
	if (likely(!var))
		return klpx_shadow_create_missing(obj, type, gfp_flags,
						  ctor_data, exclusive);
	klpx_shadow_create_unlock();
	/* A duplicate is a bug, whether memory is short or not. */
	if (!exclusive)
		return var->data;
	klpx_shadow_warn_duplicate(type, obj);
	return NULL;
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
 * klpx_shadow_store_attach() - let lookups through a new registration start
 * in the id's table
 * @class:	the registered id
 * @type:	the type just registered with it
 *
 * Context: process context; klpx_shadow_mutex held.
 */
void klpx_shadow_store_attach(struct klpx_shadow_class *class,
			      struct klpx_shadow_type *type)
{
	unsigned long flags;

	spin_lock_irqsave(&class->lock, flags);
	type->reg_next = class->regs;
	class->regs = type;
	rcu_assign_pointer(type->tbl, klpx_shadow_locked_tbl(class, &class->tbl));
	spin_unlock_irqrestore(&class->lock, flags);
}

/**
 * klpx_shadow_store_detach() - undo klpx_shadow_store_attach()
 * @class:	the registered id
 * @type:	a registration of it going away
 *
 * Lookups through @type that started before may still walk the table;
 * the caller's grace period (before the table may go) waits for them.
 *
 * Context: process context; klpx_shadow_mutex held.
 */
void klpx_shadow_store_detach(struct klpx_shadow_class *class,
			      struct klpx_shadow_type *type)
{
	struct klpx_shadow_type **p;
	unsigned long flags;

	spin_lock_irqsave(&class->lock, flags);
	for (p = &class->regs; *p; p = &(*p)->reg_next) {
		if (*p == type) {
			*p = type->reg_next;
			break;
		}
	}
	type->reg_next = NULL;
	RCU_INIT_POINTER(type->tbl, NULL);
	spin_unlock_irqrestore(&class->lock, flags);
}

/*
 * Give the variables left on free_all's own list back to the id's list:
 * after a variable was found in no table, a bug.  Under class->lock.
 */
static void __klpx_shadow_relist(struct klpx_shadow_class *class,
				 struct hlist_head *doomed)
{
	struct klpx_shadow_var *var;

	while (!hlist_empty(doomed)) {
		var = hlist_entry(doomed->first, struct klpx_shadow_var, node);
		hlist_del(&var->node);
		hlist_add_head(&var->node, &class->vars);
	}
}

/* Variables free_all destroys per hold of the id's lock. */
#define KLPX_SHADOW_FREE_ALL_BATCH	64

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
 * Works in batches of KLPX_SHADOW_FREE_ALL_BATCH variables, dropping the
 * id's lock between them, so that IRQs (when the caller has them on) and
 * other users of the id get in.  The variables it destroys are those that
 * existed when it was called, newest first; one made meanwhile stays.
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
	unsigned int batch;
	HLIST_HEAD(doomed);

	rcu_read_lock();
	class = klpx_shadow_class_of(type);
	if (unlikely(!class)) {
		klpx_shadow_report_unregistered(type);
		goto out;
	}
	spin_lock_irqsave(&class->lock, flags);
	/*
	 * The variables of this moment, on a list of our own: those made
	 * meanwhile go to the id's list and stay.  A free of one of ours
	 * while we dropped the lock unlinks it from ours, as from any list.
	 * If the id dies meanwhile, what is left stays on ours: garbage
	 * collection drains the tables and never looks at the list.
	 */
	if (likely(!class->dead))
		hlist_move_list(&class->vars, &doomed);
	while (likely(!class->dead) && !hlist_empty(&doomed)) {
		for (batch = 0; batch < KLPX_SHADOW_FREE_ALL_BATCH &&
		     !hlist_empty(&doomed); batch++) {
			var = hlist_entry(doomed.first, struct klpx_shadow_var,
					  node);
			/* Every listed variable is in one of the tables. */
			link = __klpx_shadow_find(class, var->obj);
			if (WARN_ON_ONCE(!link)) {
				__klpx_shadow_relist(class, &doomed);
				break;
			}
			__klpx_shadow_destroy(class, link, type->dtor);
		}
		spin_unlock_irqrestore(&class->lock, flags);
		spin_lock_irqsave(&class->lock, flags);
	}
	if (likely(!class->dead))
		__klpx_shadow_maybe_resize(class);
	spin_unlock_irqrestore(&class->lock, flags);
out:
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(klpx_shadow_free_all);
