// SPDX-License-Identifier: GPL-2.0
/*
 * An allocation in flight, sleeping or not, when its id is collected: it
 * adds nothing once the collection has started.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/klpx.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <shim.h>

#include "harness.h"
#include "probe.h"

/* ------------------------------------------------------------------ */
/* an allocation in flight when its id is collected                    */
/* ------------------------------------------------------------------ */

static struct {
	unsigned long task;
	bool sleeping, inside, release, collected;
	void *got;
} fl;

static void fl_hold(enum shim_alloc_kind kind, unsigned int gfp)
{
	if (kind != SHIM_SLAB ||
	    shim_current()->id != __atomic_load_n(&fl.task, __ATOMIC_SEQ_CST))
		return;
	if (fl.sleeping && !(gfp & __GFP_DIRECT_RECLAIM))
		return;
	__atomic_store_n(&fl.inside, true, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&fl.release, __ATOMIC_SEQ_CST))
		sched_yield();
}

static void *fl_alloc(void *type)
{
	__atomic_store_n(&fl.task, shim_current()->id, __ATOMIC_SEQ_CST);
	fl.got = klpx_shadow_alloc(KEY(DIRECT_MAP, 64, 1), type, GFP_KERNEL, NULL);
	return NULL;
}

static void *fl_collect(void *type)
{
	klpx_shadow_unregister(type);
	__atomic_store_n(&fl.collected, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * API.md 2.3-2.4: once the last registration went, the id's calls return
 * nothing.  An allocation that found the id and is still in the allocator
 * while the collection starts must not add a variable when it returns:
 * the collection would free it under the caller's feet.  The collection
 * waits for it instead of finishing first: for RCU while the first,
 * non-sleeping attempt runs; for SRCU while the one that may sleep does
 * (after the first failed).
 */
static void allocation_in_flight_during_gc(bool sleeping)
{
	struct klpx_shadow_type a = PROBE_TYPE(210, "late", 32);
	struct shim_fail_policy first = { .nth = 1 };
	pthread_t allocator, collector;
	bool gc_waited;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	fl.sleeping = sleeping;
	if (sleeping)
		shim_fail_set(&first);
	shim_set_alloc_hook(fl_hold);
	ASSERT_EQ(shim_thread_create(&allocator, fl_alloc, &a), 0);
	KT_WAIT_FOR(__atomic_load_n(&fl.inside, __ATOMIC_SEQ_CST));
	ASSERT_EQ(shim_thread_create(&collector, fl_collect, &a), 0);
	KT_WAIT_FOR((sleeping ? shim_srcu_gp_waiters() : shim_rcu_gp_waiters()) > 0 ||
		    __atomic_load_n(&fl.collected, __ATOMIC_SEQ_CST));
	gc_waited = !__atomic_load_n(&fl.collected, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fl.release, true, __ATOMIC_SEQ_CST);
	pthread_join(allocator, NULL);
	pthread_join(collector, NULL);
	shim_set_alloc_hook(NULL);
	shim_fail_clear();

	EXPECT_TRUE(gc_waited);
	EXPECT_NULL(fl.got);
	EXPECT_EQ(probe.ctor_calls, 0);
	EXPECT_EQ(probe.dtor_calls[0], 0);
}

KLPX_TEST(shadow_allocation_returning_after_gc_started_adds_nothing)
{
	allocation_in_flight_during_gc(false);
}

KLPX_TEST(shadow_allocation_woken_after_gc_started_adds_nothing)
{
	allocation_in_flight_during_gc(true);
}
