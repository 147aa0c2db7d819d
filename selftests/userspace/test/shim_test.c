// SPDX-License-Identifier: GPL-2.0
/*
 * The shims are test doubles, so they are tested too: allocation counting
 * and failure injection, the checks on frees, the deferred-work worker,
 * RCU and SRCU grace periods, context tracking, WARN and log capture.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/workqueue.h>
#include <shim.h>

#include "harness.h"

/* ------------------------------------------------------------------ */
/* allocations                                                         */
/* ------------------------------------------------------------------ */

KLPX_TEST(shim_alloc_counts_live_allocations_per_kind)
{
	struct kmem_cache *c;
	void *k, *kv, *o;
	char *s;

	EXPECT_EQ(shim_alloc_live_total(), 0);
	k = kzalloc(10, GFP_KERNEL);
	kv = kvcalloc(100, 8, GFP_KERNEL);
	s = kstrdup("abc", GFP_ATOMIC);
	c = kmem_cache_create("test_cache", 24, 8, SLAB_HWCACHE_ALIGN, NULL);
	ASSERT_TRUE(k && kv && s && c);
	o = kmem_cache_zalloc(c, GFP_KERNEL);
	ASSERT_NOT_NULL(o);
	EXPECT_EQ((unsigned long)o % 64, 0);
	EXPECT_EQ(shim_alloc_live(SHIM_KMALLOC), 2);
	EXPECT_EQ(shim_alloc_live(SHIM_KVMALLOC), 1);
	EXPECT_EQ(shim_alloc_live(SHIM_SLAB), 1);
	EXPECT_EQ(shim_alloc_live(SHIM_CACHE), 1);
	EXPECT_EQ(shim_alloc_live_total(), 5);
	EXPECT_EQ(((unsigned char *)kv)[799], 0);

	kfree(k);
	kvfree(kv);
	kfree(s);
	kmem_cache_free(c, o);
	kmem_cache_destroy(c);
	EXPECT_EQ(shim_alloc_live_total(), 0);
	/* kmalloc(0) gives the kernel's zero-size pointer, not memory */
	k = kmalloc(0, GFP_KERNEL);
	EXPECT_TRUE(ZERO_OR_NULL_PTR(k) && k != NULL);
	kfree(k);
	kfree(NULL);
	EXPECT_WARNS(0);
}

KLPX_TEST(shim_alloc_fails_on_the_nth_every_nth_and_after_n)
{
	struct shim_fail_policy nth = { .nth = 3 };
	struct shim_fail_policy every = { .every = 4 };
	struct shim_fail_policy after = { .after = 5 };
	void *p[12];
	int i, failed;

	shim_fail_set(&nth);
	for (i = 0, failed = 0; i < 12; i++) {
		p[i] = kmalloc(8, GFP_KERNEL);
		failed += !p[i];
	}
	EXPECT_EQ(failed, 1);
	EXPECT_NULL(p[2]);
	EXPECT_EQ(shim_fail_injected(), 1);
	for (i = 0; i < 12; i++)
		kfree(p[i]);

	shim_fail_set(&every);
	for (i = 0, failed = 0; i < 12; i++) {
		p[i] = kvmalloc(8, GFP_KERNEL);
		failed += !p[i];
	}
	EXPECT_EQ(failed, 3);
	EXPECT_TRUE(!p[3] && !p[7] && !p[11] && p[0] && p[4]);
	for (i = 0; i < 12; i++)
		kvfree(p[i]);

	shim_fail_set(&after);
	for (i = 0, failed = 0; i < 12; i++) {
		p[i] = kzalloc(8, GFP_ATOMIC);
		failed += !p[i];
	}
	EXPECT_EQ(failed, 7);
	EXPECT_TRUE(p[4] && !p[5]);
	for (i = 0; i < 12; i++)
		kfree(p[i]);

	/* __GFP_NOFAIL never fails; clearing the policy stops it all */
	EXPECT_NOT_NULL(p[0] = kmalloc(8, GFP_KERNEL | __GFP_NOFAIL));
	kfree(p[0]);
	shim_fail_clear();
	EXPECT_NOT_NULL(p[0] = kmalloc(8, GFP_KERNEL));
	kfree(p[0]);
	EXPECT_EQ(shim_alloc_live_total(), 0);
}

KLPX_TEST(shim_alloc_fails_only_what_the_policy_selects)
{
	struct shim_fail_policy atomic = { .every = 1, .atomic_only = true };
	struct shim_fail_policy kv_only = { .every = 1, .kinds = 1u << SHIM_KVMALLOC };
	char site[64];
	void *a, *b;

	shim_fail_set(&atomic);
	a = kmalloc(8, GFP_ATOMIC);
	b = kmalloc(8, GFP_KERNEL);
	EXPECT_NULL(a);
	EXPECT_NOT_NULL(b);
	EXPECT_NULL(kmalloc(8, GFP_NOWAIT));
	kfree(b);

	shim_fail_set(&kv_only);
	a = kvzalloc(8, GFP_KERNEL);
	b = kzalloc(8, GFP_KERNEL);
	EXPECT_NULL(a);
	EXPECT_NOT_NULL(b);
	kfree(b);
	shim_fail_last_site(site, sizeof(site));
	EXPECT_TRUE(strstr(site, "shim_test.c") != NULL);
	shim_fail_clear();
	EXPECT_EQ(shim_alloc_live_total(), 0);
}

KLPX_TEST(shim_alloc_fails_what_the_kernel_would_refuse)
{
	/* beyond KMALLOC_MAX_SIZE: NULL and a WARN unless __GFP_NOWARN */
	EXPECT_NULL(kmalloc(8UL << 20, GFP_KERNEL));
	EXPECT_WARNS(1);
	EXPECT_NULL(kmalloc(8UL << 20, GFP_KERNEL | __GFP_NOWARN));
	EXPECT_NULL(kvmalloc(8UL << 20, GFP_ATOMIC | __GFP_NOWARN));
	EXPECT_NULL(kcalloc(SIZE_MAX / 2, 4, GFP_KERNEL | __GFP_NOWARN));
	EXPECT_WARNS(0);
	void *big = kvmalloc(8UL << 20, GFP_KERNEL);
	EXPECT_NOT_NULL(big);
	kvfree(big);
}

KLPX_TEST(shim_free_with_the_wrong_function_warns)
{
	struct kmem_cache *c1 = kmem_cache_create("one", 16, 0, 0, NULL);
	struct kmem_cache *c2 = kmem_cache_create("two", 16, 0, 0, NULL);
	void *kv = kvmalloc(64, GFP_KERNEL);
	void *o = kmem_cache_alloc(c1, GFP_KERNEL);
	void *k = kmalloc(16, GFP_KERNEL);

	ASSERT_TRUE(c1 && c2 && kv && o && k);
	kfree(kv);				/* kvmalloc memory needs kvfree */
	EXPECT_WARNS(1);
	kmem_cache_free(c2, o);			/* not its cache */
	EXPECT_WARNS(1);
	kmem_cache_free(c1, k);			/* not a cache object */
	EXPECT_WARNS(1);
	/* the counts still balance */
	EXPECT_EQ(shim_alloc_live_total(), 2);

	o = kmem_cache_alloc(c1, GFP_KERNEL);
	kmem_cache_destroy(c1);			/* an object is left */
	EXPECT_WARNS(1);
	kfree(o);				/* SLUB: kfree takes cache objects */
	kmem_cache_destroy(c1);
	kmem_cache_destroy(c2);
	kmem_cache_destroy(NULL);
	EXPECT_WARNS(0);
}

KLPX_TEST(shim_sleeping_allocation_in_atomic_context_is_reported)
{
	DEFINE_SPINLOCK(lock);
	void *p;

	spin_lock(&lock);
	p = kmalloc(8, GFP_ATOMIC);
	EXPECT_EQ(shim_splat_take(), 0);
	kfree(p);
	p = kmalloc(8, GFP_KERNEL);
	EXPECT_EQ(shim_splat_take(), 1);
	kfree(p);
	spin_unlock(&lock);

	rcu_read_lock();
	might_sleep();
	EXPECT_EQ(shim_splat_take(), 1);
	rcu_read_unlock();
	might_sleep();
	cond_resched();
	EXPECT_EQ(shim_splat_take(), 0);
}

/* ------------------------------------------------------------------ */
/* context, locks, lockdep                                             */
/* ------------------------------------------------------------------ */

static void *seq_begin_once(void *arg)
{
	const seqcount_t *seq = arg;
	unsigned long before = shim_seq_read_begins;

	read_seqcount_begin(seq);
	return (void *)(uintptr_t)(shim_seq_read_begins - before);
}

/* a case may tell a reader's slow path by the begins of its own thread */
KLPX_TEST(shim_seq_read_begins_counts_the_calling_thread_only)
{
	seqcount_t seq;
	unsigned long before = shim_seq_read_begins;
	pthread_t other;
	void *counted;

	seqcount_init(&seq);
	read_seqcount_begin(&seq);
	read_seqcount_begin(&seq);
	ASSERT_EQ(shim_thread_create(&other, seq_begin_once, &seq), 0);
	pthread_join(other, &counted);
	EXPECT_EQ((uintptr_t)counted, 1);
	EXPECT_EQ(shim_seq_read_begins - before, 2);
}

KLPX_TEST(shim_locks_track_context_and_owner)
{
	DEFINE_SPINLOCK(lock);
	DEFINE_MUTEX(mutex);
	seqcount_spinlock_t seq;
	unsigned long flags;

	seqcount_spinlock_init(&seq, &lock);
	EXPECT_FALSE(shim_in_atomic());
	spin_lock_irqsave(&lock, flags);
	EXPECT_TRUE(shim_in_atomic());
	EXPECT_TRUE(irqs_disabled());
	EXPECT_TRUE(lockdep_is_held(&lock));
	write_seqcount_begin(&seq);
	write_seqcount_end(&seq);
	spin_unlock_irqrestore(&lock, flags);
	EXPECT_FALSE(shim_in_atomic());
	EXPECT_FALSE(lockdep_is_held(&lock));
	EXPECT_EQ(shim_splat_take(), 0);

	/* a seqcount writer without its lock, a mutex in atomic context */
	write_seqcount_begin(&seq);
	write_seqcount_end(&seq);
	EXPECT_EQ(shim_splat_take(), 1);
	spin_lock(&lock);
	mutex_lock(&mutex);
	EXPECT_EQ(shim_splat_take(), 1);
	lockdep_assert_held(&mutex);
	mutex_unlock(&mutex);
	spin_unlock(&lock);
	lockdep_assert_held(&mutex);
	EXPECT_EQ(shim_splat_take(), 1);
}

KLPX_TEST(shim_rcu_dereference_checks_its_context)
{
	DEFINE_MUTEX(mutex);
	int x = 1, *p = &x, *q;

	q = rcu_dereference_check(p, lockdep_is_held(&mutex));
	EXPECT_EQ(shim_splat_take(), 1);
	rcu_read_lock();
	q = rcu_dereference(p);
	rcu_read_unlock();
	mutex_lock(&mutex);
	q = rcu_dereference_protected(p, lockdep_is_held(&mutex));
	mutex_unlock(&mutex);
	EXPECT_EQ(shim_splat_take(), 0);
	EXPECT_PTR_EQ(q, &x);
}

/* ------------------------------------------------------------------ */
/* deferred work                                                       */
/* ------------------------------------------------------------------ */

static struct {
	struct work_struct work;
	struct mutex *lock;
	unsigned long runs;
	unsigned long task;
	bool atomic;
	bool block;
	bool running;
	int requeue;
} w;

static void w_fn(struct work_struct *work)
{
	w.task = shim_current()->id;
	w.atomic = shim_in_atomic();
	__atomic_store_n(&w.running, true, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&w.block, __ATOMIC_SEQ_CST))
		sched_yield();
	if (w.lock) {
		mutex_lock(w.lock);
		mutex_unlock(w.lock);
	}
	__atomic_fetch_add(&w.runs, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&w.running, false, __ATOMIC_SEQ_CST);
	if (w.requeue > 0) {
		w.requeue--;
		schedule_work(work);
	}
}

KLPX_TEST(shim_work_runs_later_on_its_own_thread)
{
	DEFINE_MUTEX(lock);

	INIT_WORK(&w.work, w_fn);
	w.lock = &lock;
	/* the scheduler holds a lock the work takes: it must not run inline */
	mutex_lock(&lock);
	EXPECT_TRUE(schedule_work(&w.work));
	EXPECT_EQ(w.runs, 0);
	mutex_unlock(&lock);
	flush_work(&w.work);
	EXPECT_EQ(w.runs, 1);
	EXPECT_NE(w.task, shim_current()->id);
	EXPECT_FALSE(w.atomic);
	EXPECT_FALSE(flush_work(&w.work));	/* idle: nothing to wait for */
}

KLPX_TEST(shim_work_is_queued_once_and_may_requeue_itself)
{
	INIT_WORK(&w.work, w_fn);
	__atomic_store_n(&w.block, true, __ATOMIC_SEQ_CST);
	EXPECT_TRUE(schedule_work(&w.work));
	KT_WAIT_FOR(__atomic_load_n(&w.running, __ATOMIC_SEQ_CST));
	/* running, not pending: it can be queued again, but only once */
	EXPECT_FALSE(work_pending(&w.work));
	EXPECT_TRUE(schedule_work(&w.work));
	EXPECT_FALSE(schedule_work(&w.work));
	EXPECT_TRUE(work_pending(&w.work));
	__atomic_store_n(&w.block, false, __ATOMIC_SEQ_CST);
	shim_workqueue_drain();
	EXPECT_EQ(w.runs, 2);

	w.requeue = 3;
	schedule_work(&w.work);
	shim_workqueue_drain();
	EXPECT_EQ(w.runs, 6);
}

KLPX_TEST(shim_cancel_work_sync_removes_pending_and_waits_for_running)
{
	INIT_WORK(&w.work, w_fn);
	__atomic_store_n(&w.block, true, __ATOMIC_SEQ_CST);
	schedule_work(&w.work);
	KT_WAIT_FOR(__atomic_load_n(&w.running, __ATOMIC_SEQ_CST));
	schedule_work(&w.work);
	/* pending again while running: cancel drops the queued run... */
	EXPECT_TRUE(cancel_work(&w.work));
	EXPECT_FALSE(work_pending(&w.work));
	__atomic_store_n(&w.block, false, __ATOMIC_SEQ_CST);
	/* ...and cancel_work_sync waits for the one running */
	EXPECT_FALSE(cancel_work_sync(&w.work));
	EXPECT_FALSE(__atomic_load_n(&w.running, __ATOMIC_SEQ_CST));
	shim_workqueue_drain();
	EXPECT_EQ(w.runs, 1);
}

/* ------------------------------------------------------------------ */
/* RCU and SRCU                                                        */
/* ------------------------------------------------------------------ */

static struct {
	bool inside;
	bool leave;
	bool gp_done;
	struct srcu_struct *srcu;
} r;

static void *r_reader(void *arg)
{
	int idx = 0;

	if (r.srcu)
		idx = srcu_read_lock(r.srcu);
	else
		rcu_read_lock();
	__atomic_store_n(&r.inside, true, __ATOMIC_SEQ_CST);
	KT_WAIT_FOR(__atomic_load_n(&r.leave, __ATOMIC_SEQ_CST));
	/* the grace period cannot have ended while we are inside */
	if (__atomic_load_n(&r.gp_done, __ATOMIC_SEQ_CST))
		kt_fail(__FILE__, __LINE__, "grace period ended under a reader");
	if (r.srcu)
		srcu_read_unlock(r.srcu, idx);
	else
		rcu_read_unlock();
	return NULL;
}

static void *r_sync(void *arg)
{
	if (r.srcu)
		synchronize_srcu(r.srcu);
	else
		synchronize_rcu();
	__atomic_store_n(&r.gp_done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

static void grace_period_waits_for_reader(struct srcu_struct *srcu)
{
	pthread_t reader, sync;
	unsigned long gps = shim_rcu_gp_completed();

	r.srcu = srcu;
	ASSERT_EQ(shim_thread_create(&reader, r_reader, NULL), 0);
	KT_WAIT_FOR(__atomic_load_n(&r.inside, __ATOMIC_SEQ_CST));
	ASSERT_EQ(shim_thread_create(&sync, r_sync, NULL), 0);
	if (!srcu)
		KT_WAIT_FOR(shim_rcu_gp_waiters() > 0);
	EXPECT_FALSE(__atomic_load_n(&r.gp_done, __ATOMIC_SEQ_CST));
	__atomic_store_n(&r.leave, true, __ATOMIC_SEQ_CST);
	pthread_join(reader, NULL);
	pthread_join(sync, NULL);
	EXPECT_TRUE(r.gp_done);
	if (!srcu)
		EXPECT_TRUE(shim_rcu_gp_completed() > gps);
}

KLPX_TEST(shim_synchronize_rcu_waits_for_readers)
{
	grace_period_waits_for_reader(NULL);
}

DEFINE_STATIC_SRCU(test_srcu);

KLPX_TEST(shim_synchronize_srcu_waits_for_readers)
{
	grace_period_waits_for_reader(&test_srcu);
	/* an SRCU reader may wait for RCU: the domains are independent */
	int idx = srcu_read_lock(&test_srcu);

	synchronize_rcu();
	srcu_read_unlock(&test_srcu, idx);
}

struct cb_item {
	int *ran;
	struct rcu_head rcu;
};

static void cb_fn(struct rcu_head *head)
{
	struct cb_item *it = container_of(head, struct cb_item, rcu);

	(*it->ran)++;
	if (!shim_in_atomic())
		kt_fail(__FILE__, __LINE__, "RCU callback not in atomic context");
	kfree(it);
}

KLPX_TEST(shim_rcu_callbacks_run_after_readers_and_barrier_waits)
{
	struct cb_item *it;
	int ran = 0, i;
	void *freed;

	rcu_read_lock();
	for (i = 0; i < 10; i++) {
		it = kmalloc(sizeof(*it), GFP_ATOMIC);
		ASSERT_NOT_NULL(it);
		it->ran = &ran;
		call_rcu(&it->rcu, cb_fn);
	}
	freed = kmalloc(sizeof(*it), GFP_ATOMIC);
	kfree_rcu((struct cb_item *)freed, rcu);
	/* we are a reader: no callback can run yet */
	EXPECT_EQ(__atomic_load_n(&ran, __ATOMIC_SEQ_CST), 0);
	EXPECT_EQ(shim_alloc_live(SHIM_KMALLOC), 11);
	rcu_read_unlock();
	rcu_barrier();
	EXPECT_EQ(ran, 10);
	EXPECT_EQ(shim_alloc_live_total(), 0);
}

/* ------------------------------------------------------------------ */
/* WARN and the log                                                    */
/* ------------------------------------------------------------------ */

KLPX_TEST(shim_warn_and_log_are_recorded)
{
	char last[256];
	int i;

	EXPECT_FALSE(WARN_ON(0));
	EXPECT_TRUE(WARN_ON(1));
	EXPECT_TRUE(WARN(1, "named %s", "thing"));
	EXPECT_WARNS(2);
	shim_warn_last(last, sizeof(last));
	EXPECT_TRUE(strstr(last, "named thing") != NULL);
	for (i = 0; i < 3; i++)
		WARN_ON_ONCE(1);
	EXPECT_WARNS(1);

	pr_err("an error about %s\n", "widget");
	pr_info("information about widget\n");
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "widget"), 1);
	EXPECT_EQ(shim_log_count(LOGLEVEL_DEBUG, "widget"), 2);
	for (i = 0; i < 100; i++)
		pr_err_ratelimited("flood %d\n", i);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "flood"), 10);
	shim_log_clear();
	EXPECT_EQ(shim_log_count(LOGLEVEL_DEBUG, NULL), 0);
}

/* ------------------------------------------------------------------ */
/* interrupt contexts, lock classes, PREEMPT_RT, schedules             */
/* ------------------------------------------------------------------ */

KLPX_TEST(shim_irq_state_follows_local_irq_and_spin_lock_irqsave)
{
	DEFINE_SPINLOCK(lock);
	unsigned long flags, outer;

	EXPECT_FALSE(irqs_disabled());
	local_irq_save(outer);
	EXPECT_TRUE(irqs_disabled());
	spin_lock_irqsave(&lock, flags);
	spin_unlock_irqrestore(&lock, flags);
	/* the inner restore leaves the outer section's IRQs off */
	EXPECT_TRUE(irqs_disabled());
	local_irq_restore(outer);
	EXPECT_FALSE(irqs_disabled());

	spin_lock_irq(&lock);
	EXPECT_TRUE(irqs_disabled() && in_atomic());
	spin_unlock_irq(&lock);
	spin_lock_bh(&lock);
	EXPECT_TRUE(in_softirq() && !irqs_disabled() && in_task());
	spin_unlock_bh(&lock);
	EXPECT_FALSE(in_softirq() || in_atomic() || irqs_disabled());
	EXPECT_EQ(shim_splat_take(), 0);
}

KLPX_TEST(shim_interrupt_contexts_can_be_entered_where_the_kernel_could)
{
	EXPECT_TRUE(in_task() && !in_interrupt());
	shim_hardirq_enter();
	EXPECT_TRUE(in_hardirq() && in_irq() && in_interrupt() && !in_task());
	EXPECT_TRUE(irqs_disabled() && in_atomic());
	might_sleep();
	EXPECT_EQ(shim_splat_take(), 1);
	shim_hardirq_exit();

	shim_softirq_enter();
	EXPECT_TRUE(in_serving_softirq() && in_softirq() && in_interrupt());
	EXPECT_FALSE(in_hardirq() || irqs_disabled() || in_task());
	shim_softirq_exit();
	EXPECT_TRUE(in_task() && !in_atomic());
	EXPECT_EQ(shim_splat_take(), 0);

	/* an interrupt cannot arrive where IRQs (or BHs, for a softirq) are off */
	local_irq_disable();
	shim_hardirq_enter();
	EXPECT_EQ(shim_splat_take(), 1);
	shim_hardirq_exit();
	local_irq_enable();
	local_bh_disable();
	shim_softirq_enter();
	EXPECT_EQ(shim_splat_take(), 1);
	shim_softirq_exit();
	local_bh_enable();
	EXPECT_FALSE(in_atomic() || irqs_disabled());
}

static void lock_in_hardirq(spinlock_t *lock)
{
	shim_hardirq_enter();
	spin_lock(lock);
	spin_unlock(lock);
	shim_hardirq_exit();
}

KLPX_TEST(shim_lock_taken_in_hardirq_and_with_irqs_on_is_reported)
{
	spinlock_t a, b;
	unsigned long flags;

	/* IRQ-safe use: irqsave outside the IRQ, plain inside it */
	spin_lock_init(&a);
	spin_lock_irqsave(&a, flags);
	spin_unlock_irqrestore(&a, flags);
	lock_in_hardirq(&a);
	EXPECT_EQ(shim_splat_take(), 0);

	/* an IRQ arriving under spin_lock(&b) would spin on b forever */
	spin_lock_init(&b);
	lock_in_hardirq(&b);
	spin_lock(&b);
	spin_unlock(&b);
	EXPECT_EQ(shim_splat_take(), 1);
	/* the same class is reported once */
	spin_lock(&b);
	spin_unlock(&b);
	EXPECT_EQ(shim_splat_take(), 0);
}

KLPX_TEST(shim_lock_taken_with_irqs_on_then_in_hardirq_is_reported)
{
	DEFINE_SPINLOCK(lock);

	spin_lock(&lock);
	spin_unlock(&lock);
	EXPECT_EQ(shim_splat_take(), 0);
	lock_in_hardirq(&lock);
	EXPECT_EQ(shim_splat_take(), 1);
}

KLPX_TEST(shim_lock_taken_in_softirq_and_with_bhs_on_is_reported)
{
	DEFINE_SPINLOCK(safe);
	DEFINE_SPINLOCK(unsafe);

	shim_softirq_enter();
	spin_lock(&safe);
	spin_unlock(&safe);
	spin_lock(&unsafe);
	spin_unlock(&unsafe);
	shim_softirq_exit();
	spin_lock_bh(&safe);
	spin_unlock_bh(&safe);
	EXPECT_EQ(shim_splat_take(), 0);
	spin_lock(&unsafe);
	spin_unlock(&unsafe);
	EXPECT_EQ(shim_splat_take(), 1);
}

KLPX_TEST(shim_locks_share_the_class_of_their_init_site)
{
	spinlock_t locks[2];
	int i;

	/* one spin_lock_init() call site: one class, as in lockdep */
	for (i = 0; i < 2; i++)
		spin_lock_init(&locks[i]);
	EXPECT_PTR_EQ(locks[0].class, locks[1].class);
	lock_in_hardirq(&locks[0]);
	spin_lock(&locks[1]);
	spin_unlock(&locks[1]);
	EXPECT_EQ(shim_splat_take(), 1);

	/* nesting two locks of one class needs an annotation we do not have */
	spin_lock_irq(&locks[0]);
	spin_lock(&locks[1]);
	EXPECT_EQ(shim_splat_take(), 1);
	spin_unlock(&locks[1]);
	spin_unlock_irq(&locks[0]);
}

/*
 * Classes, not locks, are ordered: the inversion below is taken on other
 * locks of the same classes, which also keeps TSan's own detector (which
 * follows lock instances) quiet about the deliberate cycle.
 */
KLPX_TEST(shim_lock_order_inversion_is_reported_through_other_classes)
{
	static struct lock_class_key ka, kb, kc;
	spinlock_t a[2], b, c[2];
	DEFINE_MUTEX(m);
	int i;

	for (i = 0; i < 2; i++) {
		spin_lock_init(&a[i]);
		lockdep_set_class(&a[i], &ka);
		spin_lock_init(&c[i]);
		lockdep_set_class(&c[i], &kc);
	}
	spin_lock_init(&b);
	lockdep_set_class(&b, &kb);

	/* m -> a -> b, then b -> c and a -> c: all consistent */
	mutex_lock(&m);
	spin_lock(&a[0]);
	spin_lock(&b);
	spin_unlock(&b);
	spin_unlock(&a[0]);
	mutex_unlock(&m);
	spin_lock(&b);
	spin_lock(&c[0]);
	spin_unlock(&c[0]);
	spin_unlock(&b);
	spin_lock(&a[0]);
	spin_lock(&c[0]);
	spin_unlock(&c[0]);
	spin_unlock(&a[0]);
	EXPECT_EQ(shim_splat_take(), 0);

	/* c -> a closes the cycle a -> b -> c -> a */
	spin_lock(&c[1]);
	spin_lock(&a[1]);
	EXPECT_EQ(shim_splat_take(), 1);
	spin_unlock(&a[1]);
	spin_unlock(&c[1]);
	/* a trylock cannot deadlock: no order is taken from it */
	spin_lock(&c[1]);
	EXPECT_TRUE(spin_trylock(&b));
	spin_unlock(&b);
	spin_unlock(&c[1]);
	EXPECT_EQ(shim_splat_take(), 0);
}

KLPX_TEST(shim_raw_spinlock_is_its_own_type_and_spins_on_preempt_rt)
{
	DEFINE_RAW_SPINLOCK(raw);
	DEFINE_SPINLOCK(lock);
	unsigned long flags;

	/* raw_spin_lock(&lock) or spin_lock(&raw) does not compile */
	EXPECT_EQ(_Generic(&raw, raw_spinlock_t *: 1, default: 0), 1);
	EXPECT_EQ(_Generic(&lock, raw_spinlock_t *: 1, default: 0), 0);

	EXPECT_FALSE(IS_ENABLED(CONFIG_PREEMPT_RT));
	shim_set_preempt_rt(true);
	EXPECT_TRUE(shim_preempt_rt());
	/* what code under test asks kconfig follows the mode */
	EXPECT_TRUE(IS_ENABLED(CONFIG_PREEMPT_RT));
	EXPECT_FALSE(IS_ENABLED(CONFIG_PREEMPTION));
	/* spinlock_t sleeps there: IRQs stay on, preemption allowed */
	spin_lock_irqsave(&lock, flags);
	EXPECT_FALSE(irqs_disabled() || in_atomic());
	rcu_read_lock();
	spin_unlock_irqrestore(&lock, flags);
	spin_lock(&lock);	/* fine in an RCU reader on RT */
	spin_unlock(&lock);
	rcu_read_unlock();
	raw_spin_lock_irqsave(&raw, flags);
	EXPECT_TRUE(irqs_disabled() && in_atomic());
	raw_spin_unlock_irqrestore(&raw, flags);
	shim_hardirq_enter();
	raw_spin_lock(&raw);
	raw_spin_unlock(&raw);
	EXPECT_EQ(shim_splat_take(), 0);

	/* a sleeping lock in hard IRQ context, or under a raw spinlock */
	spin_lock(&lock);
	EXPECT_EQ(shim_splat_take(), 1);
	spin_unlock(&lock);
	shim_hardirq_exit();
	raw_spin_lock_irqsave(&raw, flags);
	spin_lock(&lock);
	EXPECT_EQ(shim_splat_take(), 1);
	spin_unlock(&lock);
	raw_spin_unlock_irqrestore(&raw, flags);
	EXPECT_FALSE(in_atomic() || irqs_disabled());
	shim_set_preempt_rt(false);
}

/* the yields of 4000 points of a thread with index @index under @seed */
static unsigned long sched_yields_of(unsigned long long seed, unsigned int index)
{
	unsigned long before;
	int i;

	shim_current()->sched_index = index;
	shim_sched_seed(seed);
	before = shim_sched_yields();
	for (i = 0; i < 4000; i++)
		shim_sched_point();
	return shim_sched_yields() - before;
}

KLPX_TEST(shim_schedule_points_follow_the_seed)
{
	unsigned long long seed = kt_seed() | 1;
	unsigned long a = sched_yields_of(seed, 1);

	/* about one point in 16 yields, the same ones for the same seed */
	EXPECT_TRUE(a > 4000 / 32 && a < 4000 / 8);
	EXPECT_EQ(sched_yields_of(seed, 1), a);
	EXPECT_EQ(sched_yields_of(0, 1), 0);
	/* other threads, other seeds: other streams (equal counts are rare) */
	EXPECT_TRUE(sched_yields_of(seed, 2) != a ||
		    sched_yields_of(seed + 2, 1) != a);
	shim_current()->sched_index = 0;
}
