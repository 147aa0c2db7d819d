// SPDX-License-Identifier: GPL-2.0
/*
 * The shims' deferred-work worker, RCU and SRCU grace periods, and WARN
 * and log capture.
 */
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
