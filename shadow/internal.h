/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to shadow/: the registered id ("class") and its store.  Types
 * only, and what every file reads them with; it calls no file of ours.
 *
 * From the top down: registry.c owns registration and the classes'
 * lifetime (refcount, garbage collection); class.c makes and unmakes one
 * class; store.c changes an id's variables and lookup.c finds them;
 * resize.c grows and shrinks an id's table (table.h: what they share);
 * ids.c finds a class by id.  Calls only go down that list.
 */
#ifndef _KLPX_SHADOW_INTERNAL_H
#define _KLPX_SHADOW_INTERNAL_H

#include <linux/irq_work.h>
#include <linux/klpx.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/workqueue.h>

/*
 * One shadow variable: header and data in one allocation from a slab cache
 * shared by the ids whose variables have the same size.  Chains are singly
 * linked: a reader only ever walks forward, and a writer, under the id's
 * lock, finds the link to change by walking from the bucket (chains hold
 * one or two variables).  @next and @obj stay intact after removal until
 * the RCU grace period ends, so a lockless reader standing on a removed
 * variable can still walk past it.
 *
 * While it lives, a variable is also on its id's list of variables
 * (@node, under the id's lock), so that free_all finds them without
 * looking at a single empty chain; readers never use it.  Once removed it
 * needs @rcu instead, for the deferred free: the two share the space.
 * The list is an hlist, whose changes list debugging does not check with
 * a call on every creation and free, as it does a list_head's.
 */
struct klpx_shadow_var {
	struct klpx_shadow_var __rcu *next;
	void *obj;
	union {
		struct hlist_node node;
		struct rcu_head rcu;
	};
	char data[];
};

/*
 * A table of 1 << shift chains.  Opaque: a pointer to it is the address of
 * the bucket array with its size (as a hash's shift) and a resize's flag
 * in the low bits (see table.h), so that the array is exactly a power of
 * two in size and readers find all three in one load.
 */
struct klpx_shadow_table;

/**
 * struct klpx_shadow_cache - a slab cache of variables of one size
 * @node:	entry in the registry's list of caches
 * @object_size: header and data, rounded up to the header's alignment
 * @users:	classes using it
 * @slab:	the cache
 *
 * Shared by every id whose variables have that size: under slab_nomerge,
 * and with many ids, a cache per id would cost partial slabs per id.
 * Guarded by klpx_shadow_mutex.
 */
struct klpx_shadow_cache {
	struct list_head node;
	size_t object_size;
	unsigned int users;
	struct kmem_cache *slab;
};

/**
 * struct klpx_shadow_class - one registered id
 * @tbl:	the table readers look in first
 * @new_tbl:	while a resize is in progress, the table variables move to;
 *		new variables go here; NULL otherwise
 * @seq:	bumped around the start and the end of a resize (when @tbl
 *		and @new_tbl change), so that a slow lookup overlapping
 *		either looks again
 * @batch_seq:	bumped around each batch of moves from @tbl to @new_tbl
 * @move_lo:	during a resize, the first chain of @tbl not yet emptied:
 *		the chains before it are all in @new_tbl
 * @move_hi:	during a resize, the end of the chains of @tbl the last
 *		batch may have touched: a miss retries only if a batch ran
 *		during its walk and its chain lies in [@move_lo, @move_hi)
 * @move_lock:	taken inside @lock, IRQs off, around each batch of moves
 *		and the swaps of tables, guarding the four above: a raw lock
 *		even on PREEMPT_RT, so a reader spinning on @seq, or on a
 *		batch moving its chain, waits one bounded batch at most
 * @id:		the id
 * @size:	bytes of data per variable
 * @name:	the id's name, our own copy
 * @cache:	the slab cache of variables: header + @size bytes each
 * @node:	entry in the registry, under klpx_shadow_mutex (RCU readers)
 * @id_node:	entry in the registry's hash by id, likewise
 * @refs:	registrations holding this id, under klpx_shadow_mutex
 * @regs:	the klpx_shadow_type structs holding them, linked by their
 *		@reg_next: changed under klpx_shadow_mutex and @lock both,
 *		so that a resize, under @lock, updates each one's @tbl
 * @version:	the highest version among @regs, likewise
 * @gc_node:	entry in a list of classes being collected together, then
 *		in the registry's list of collected classes to free
 * @gc_type:	the type whose unregistration collects the class: its dtor
 *		destroys the variables; NULL when no owner is left to call
 * @gc_release: call @gc_type's release once the variables are gone (not
 *		after a failed setup)
 * @lock:	guards the tables' chains, @tbl, @new_tbl, @count, @vars,
 *		@dead, @resize_pending and @resize_failed_at; ctors and dtors
 *		run under it
 * @count:	live variables; written under @lock, read locklessly
 * @vars:	every live variable, through its @node, under @lock, but
 *		those a running free_all took onto a list of its own
 * @dead:	set when the last registration went: no more changes
 * @resize_pending: @resize_work is queued or running
 * @resize_failed_at: the count when a resize last failed to allocate, 0
 *		after a success: resizes back off until it doubles or halves
 * @boost:	how many times larger @tbl is than @count asks for: a small
 *		table's lower load, paid from a global allowance (resize.c);
 *		under @lock
 * @most_moves: the most variables one batch of a resize moved, in one
 *		hold of @move_lock: for tests and debugging; under @lock
 * @natural_charged: bytes of @tbl at the size @count asks for, as counted
 *		in the global total of resize.c; under @resize_mutex
 * @boost_charged: bytes of @tbl beyond that, taken from the allowance;
 *		likewise
 * @resize_mutex: serialises the resizes of the id, by @resize_work and by
 *		creators that help (see resize.c); taken outside @lock
 * @resize_kick: queues @resize_work from an interrupt, never under the
 *		caller's locks (a wake-up there could need a lock they hold)
 * @resize_work: grows or shrinks the table in process context
 * @lock_key:	@lock's own lockdep class, so that lockdep sees how ids nest
 *
 * What every lookup reads comes first, and is written only by resizes;
 * what every change writes (@lock, @count) comes a cache line later.
 */
struct klpx_shadow_class {
	struct klpx_shadow_table __rcu *tbl;
	struct klpx_shadow_table __rcu *new_tbl;
	seqcount_raw_spinlock_t seq;
	seqcount_raw_spinlock_t batch_seq;
	unsigned long move_lo;
	unsigned long move_hi;
	raw_spinlock_t move_lock;

	unsigned long id;
	size_t size;
	const char *name;
	struct klpx_shadow_cache *cache;
	struct list_head node;
	struct hlist_node id_node;
	unsigned int refs;
	struct klpx_shadow_type *regs;
	unsigned int version;
	struct list_head gc_node;
	struct klpx_shadow_type *gc_type;
	bool gc_release;

	spinlock_t lock;
	unsigned long count;
	struct hlist_head vars;
	bool dead;
	bool resize_pending;
	unsigned long resize_failed_at;
	unsigned int boost;
	unsigned int most_moves;
	long natural_charged;
	long boost_charged;
	struct mutex resize_mutex;
	struct irq_work resize_kick;
	struct work_struct resize_work;
	struct lock_class_key lock_key;
};

/* The largest @size a variable can have: header and data in one kmalloc. */
#define KLPX_SHADOW_MAX_SIZE \
	(KMALLOC_MAX_SIZE - sizeof(struct klpx_shadow_var))

/* The object size of a variable with @size bytes of data. */
static inline size_t klpx_shadow_object_size(size_t size)
{
	return ALIGN(sizeof(struct klpx_shadow_var) + size,
		     __alignof__(struct klpx_shadow_var));
}

/*
 * The read side of lookups: preemption off.  RCU's grace periods wait for
 * such a section as for an rcu_read_lock() one (call_rcu() and
 * synchronize_rcu() cover both since the kernel's RCU flavours became
 * one), and on kernels with preemptible RCU, as Debian's are, it costs an
 * increment and a decrement of the preemption count where rcu_read_lock()
 * and rcu_read_unlock() are two calls.  Nothing under it may sleep, on
 * PREEMPT_RT no spinlock_t either: lookups take no lock.
 */
#define klpx_shadow_read_lock()		rcu_read_lock_sched()
#define klpx_shadow_read_unlock()	rcu_read_unlock_sched()

/*
 * A pointer that lookups follow (a type's class or table copy, a class's
 * tables), read under klpx_shadow_read_lock() or rcu_read_lock().  Not
 * rcu_dereference(), whose lockdep check knows only the latter.
 */
#define klpx_shadow_deref_reader(p) ({					\
	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(),			\
			 "klpx shadow lookup outside an RCU reader");	\
	rcu_dereference_raw(p);						\
})

#endif /* _KLPX_SHADOW_INTERNAL_H */
