/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace shims behind the kernel headers in shim/linux/, and what
 * tests may ask of them: live allocations and failure injection, WARNs and
 * log lines seen, the calling context (atomic or not, inside RCU readers),
 * threads known to RCU, the deferred-work and RCU-callback workers.
 *
 * Every thread that touches RCU must be started with shim_thread_create()
 * (or call shim_thread_enter() itself before, shim_thread_exit() after).
 */
#ifndef _SHIM_SHIM_H
#define _SHIM_SHIM_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* threads and context                                                 */
/* ------------------------------------------------------------------ */

struct shim_lock_class;

/**
 * struct shim_task - what the shims know of the calling thread
 * @id:		non-zero, unique per thread for the life of the process
 * @preempt_count: spinlocks held plus explicit preemption/IRQ disables
 * @irqs_off:	IRQ-save sections entered
 * @rcu_depth:	nesting of rcu_read_lock()
 * @srcu_depth: nesting of srcu_read_lock(), any domain
 * @rcu_online: registered with liburcu
 * @hardirq:	nesting of shim_hardirq_enter()
 * @softirq:	nesting of shim_softirq_enter() (serving a softirq)
 * @bh_off:	nesting of local_bh_disable() and spin_lock_bh()
 * @nr_held:	entries of @held in use
 * @held:	lock classes held, in the order taken
 * @sched_index: order in which the thread was created (0: the case's own)
 * @sched_rng:	the thread's stream of schedule perturbations
 */
struct shim_task {
	unsigned long id;
	int preempt_count;
	int irqs_off;
	int rcu_depth;
	int srcu_depth;
	bool rcu_online;
	int hardirq;
	int softirq;
	int bh_off;
	int nr_held;
	struct shim_lock_class *held[16];
	unsigned int sched_index;
	unsigned long long sched_rng;
};

struct shim_task *shim_current(void);

int shim_thread_create(pthread_t *thread, void *(*fn)(void *arg), void *arg);
void shim_thread_enter(void);
void shim_thread_exit(void);

/* true where the kernel would be in atomic context (may not sleep) */
bool shim_in_atomic(void);
void shim_preempt_disable(void);
void shim_preempt_enable(void);
unsigned long shim_irq_save(void);
void shim_irq_restore(unsigned long flags);

/*
 * Interrupt contexts a test can enter on the calling thread.  A hard IRQ
 * runs with IRQs off and cannot arrive where they are off already; a
 * softirq runs with IRQs on and cannot arrive inside a hard IRQ or where
 * bottom halves are disabled.  Entering them where the kernel could not
 * is reported.
 */
void shim_hardirq_enter(void);
void shim_hardirq_exit(void);
void shim_softirq_enter(void);
void shim_softirq_exit(void);
void shim_bh_disable(void);
void shim_bh_enable(void);

/* WARNs if the caller may not sleep; @what names the operation */
void shim_might_sleep(const char *what, const char *file, int line);

/*
 * cond_resched(): a point where the kernel may switch tasks.  A test may
 * hook it to hold a thread there (say, a work item halfway through).
 */
void shim_cond_resched(const char *file, int line);
void shim_set_resched_hook(void (*hook)(void));

/* ------------------------------------------------------------------ */
/* lock classes: lockdep's checks, in small                            */
/* ------------------------------------------------------------------ */

/**
 * struct shim_lock_class - the locks initialised at one place
 * @name:	for messages (the lock expression at that place)
 * @index:	1 + position in the dependency graph; 0 until first taken
 * @usage:	SHIM_USED_IN_* and SHIM_ENABLED_* bits seen so far
 * @reported:	usage conflicts already reported for this class
 *
 * As in lockdep, every lock initialised by one spin_lock_init() or
 * mutex_init() call site shares one class, and a statically defined lock
 * is a class of its own.  The checks, each reported once as a splat:
 *
 * - a class taken in hard-IRQ (softirq) context and also taken with hard
 *   IRQs (softirqs) enabled: an interrupt can arrive while it is held and
 *   deadlock on it;
 * - two classes taken in both orders, directly or through others;
 * - a class taken while one of its own locks is held (there are no
 *   nesting annotations here);
 * - in PREEMPT_RT mode, a spinlock_t (a sleeping lock there) taken in
 *   hard-IRQ context, with IRQs off, or under a raw spinlock.
 */
struct shim_lock_class {
	const char *name;
	int index;
	unsigned int usage;
	unsigned int reported;
};

#define SHIM_USED_IN_HARDIRQ	0x1u
#define SHIM_USED_IN_SOFTIRQ	0x2u
#define SHIM_ENABLED_HARDIRQ	0x4u
#define SHIM_ENABLED_SOFTIRQ	0x8u

/* distinct classes the ordering check follows; more are not followed */
#define SHIM_MAX_LOCK_CLASSES	128

/*
 * PREEMPT_RT mode: spinlock_t becomes a sleeping lock that leaves IRQs
 * and preemption enabled; raw_spinlock_t still spins.  Set it before the
 * locks it concerns are first taken (a case runs in its own process).
 * KLPX_SHIM_PREEMPT_RT=1 in the environment sets it at start.
 */
void shim_set_preempt_rt(bool on);
bool shim_preempt_rt(void);
/* IS_ENABLED(@option): true for "CONFIG_PREEMPT_RT" in PREEMPT_RT mode */
bool shim_kconfig_enabled(const char *option);

/* ------------------------------------------------------------------ */
/* reproducible schedules                                              */
/* ------------------------------------------------------------------ */

/*
 * Every lock, unlock, RCU read-side exit and cond_resched() is a point
 * where a thread may yield, as a preemptible kernel might switch tasks
 * there.  Whether it does comes from a stream per thread derived from one
 * seed and the order in which the thread was created, so one printed seed
 * repeats the choices of a run (not the host's own scheduling, which
 * only adds to them).  shim_sched_seed() sets the seed; 0 turns the
 * perturbation off.
 */
void shim_sched_seed(unsigned long long seed);
void shim_sched_point(void);
/* points at which the calling thread yielded so far */
unsigned long shim_sched_yields(void);

/* ------------------------------------------------------------------ */
/* WARN, lockdep-style splats and the kernel log                       */
/* ------------------------------------------------------------------ */

void shim_warn(const char *file, int line, const char *fmt, ...)
	__attribute__((__format__(printf, 3, 4)));
/* a locking or RCU rule was broken: never expected, fails the test */
void shim_splat(const char *file, int line, const char *fmt, ...)
	__attribute__((__format__(printf, 3, 4)));
/* a rule was broken in a way that would hang: show the log and stop */
void __attribute__((__noreturn__)) shim_die(void);
void shim_printk(int level, const char *fmt, ...)
	__attribute__((__format__(printf, 2, 3)));

/* WARNs since the last call (the test "consumes" the WARNs it expected) */
unsigned long shim_warn_take(void);
/* WARNs not taken yet */
unsigned long shim_warn_pending(void);
/* splats since the last call; a test that provokes one on purpose takes it */
unsigned long shim_splat_take(void);
unsigned long shim_splat_pending(void);
/* the text of the most recent WARN ("" if none) */
void shim_warn_last(char *buf, size_t len);

/* log lines at @level or more severe (lower) whose text contains @needle */
unsigned long shim_log_count(int level, const char *needle);
void shim_log_clear(void);
/* print the last @max_lines log lines */
void shim_log_dump(FILE *out, unsigned long max_lines);

/* echo WARNs, splats and log lines to stderr as they happen */
void shim_set_verbose(bool on);

/**
 * struct shim_ratelimit - a burst of messages per interval, per call site
 */
struct shim_ratelimit {
	pthread_mutex_t lock;
	long begin_ms;
	int printed;
	unsigned long missed;
};
#define SHIM_RATELIMIT_INIT { .lock = PTHREAD_MUTEX_INITIALIZER }
bool shim_ratelimit_ok(struct shim_ratelimit *rs);

/* ------------------------------------------------------------------ */
/* allocations                                                         */
/* ------------------------------------------------------------------ */

enum shim_alloc_kind {
	SHIM_KMALLOC,		/* kmalloc, kzalloc, kcalloc, kstrdup, ... */
	SHIM_KVMALLOC,		/* kvmalloc, kvzalloc, kvcalloc */
	SHIM_SLAB,		/* kmem_cache_alloc objects */
	SHIM_CACHE,		/* kmem_cache_create caches */
	SHIM_NR_KINDS
};

/**
 * struct shim_fail_policy - which allocations fail
 * @nth:	fail exactly the @nth eligible allocation (1-based); 0: off
 * @every:	fail every @every-th eligible allocation; 0: off
 * @after:	fail every eligible allocation after the first @after; 0: off
 * @atomic_only: only allocations whose gfp may not block are eligible
 * @kinds:	bit mask of enum shim_alloc_kind eligible; 0 means all
 *
 * Allocations with __GFP_NOFAIL never fail.
 */
struct shim_fail_policy {
	unsigned long nth;
	unsigned long every;
	unsigned long after;
	bool atomic_only;
	unsigned int kinds;
};

void shim_fail_set(const struct shim_fail_policy *policy);
void shim_fail_clear(void);
/* allocations failed on purpose since the last shim_fail_set() */
unsigned long shim_fail_injected(void);
/* where the last injected failure happened ("file:line"), "" if none */
void shim_fail_last_site(char *buf, size_t len);

/* allocations alive now, of one kind / all kinds */
long shim_alloc_live(enum shim_alloc_kind kind);
long shim_alloc_live_total(void);
/* allocation attempts so far, and how many of those could block */
unsigned long shim_alloc_attempts(void);
unsigned long shim_alloc_attempts_blocking(void);
/* print every live allocation with its size and call site */
void shim_alloc_dump_live(FILE *out);
/* called at the start of every allocation (a test may hold a thread there) */
void shim_set_alloc_hook(void (*hook)(enum shim_alloc_kind kind,
				      unsigned int gfp));

/* ------------------------------------------------------------------ */
/* hashing                                                             */
/* ------------------------------------------------------------------ */

/* the table size (in bits) the calling thread last hashed into */
extern __thread unsigned int shim_hash_last_bits;

/*
 * What the calling thread's hlist walks visited: walks started (one per
 * chain, i.e. bucket, looked at) and nodes stepped on.  Tests count the
 * work of a lookup or a free_all with these rather than time it.
 */
extern __thread unsigned long shim_hlist_walks;
extern __thread unsigned long shim_hlist_nodes;
/*
 * Called with every node an RCU hlist walk of the calling thread steps
 * on, before it looks at the node: a test may hold a lockless reader
 * there while writers move on.
 */
extern __thread void (*shim_hlist_visit_hook)(const void *node);

/*
 * Called, in any thread, with every node a non-RCU hlist_for_each_entry()
 * or _safe() walk steps on, before the loop body runs on it: a test may
 * hold a writer between two nodes it moves.
 */
extern void (*shim_hlist_writer_hook)(const void *node);
/* read_seqcount_begin() calls that found a writer inside, and
 * read_seqcount_retry() calls that asked for a retry, so far */
extern unsigned long shim_seq_read_waits;
extern unsigned long shim_seq_read_retries;
/* read_seqcount_begin() calls of the calling thread, so far */
extern __thread unsigned long shim_seq_read_begins;

static inline void shim_hlist_writer_visit(const void *node)
{
	void (*hook)(const void *node) =
		__atomic_load_n(&shim_hlist_writer_hook, __ATOMIC_ACQUIRE);

	shim_hlist_nodes++;
	if (__builtin_expect(hook != NULL, 0))
		hook(node);
}

static inline void shim_hlist_visit(const void *node)
{
	shim_hlist_nodes++;
	if (__builtin_expect(shim_hlist_visit_hook != NULL, 0))
		shim_hlist_visit_hook(node);
}

/* ------------------------------------------------------------------ */
/* RCU and deferred work                                               */
/* ------------------------------------------------------------------ */

/* threads currently waiting in synchronize_rcu() */
unsigned long shim_rcu_gp_waiters(void);
/* grace periods completed so far */
unsigned long shim_rcu_gp_completed(void);
/* threads currently waiting in synchronize_srcu(), any domain */
unsigned long shim_srcu_gp_waiters(void);
/* wait until the deferred-work worker is idle with nothing queued */
void shim_workqueue_drain(void);
/* deferred work items executed so far */
unsigned long shim_work_executed(void);

#endif /* _SHIM_SHIM_H */
