// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel checks and a userspace run would not see without the
 * shims' help: the interrupt contexts the shadow API is called from
 * (lockdep's IRQ-safety rules, PREEMPT_RT's sleeping spinlocks).  Also
 * the guards that only a deliberate misuse reaches: a struct whose size
 * disagrees with its id's, and the once-only WARN.
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
/* contexts                                                            */
/* ------------------------------------------------------------------ */

/*
 * API.md 2.5-2.9: get, alloc with GFP_ATOMIC, free and free_all work in
 * any context but NMI.  The shims report a lock class taken in hard-IRQ
 * (softirq) context that is also taken with IRQs (softirqs) on: an
 * interrupt arriving while it is held would deadlock.  So every change
 * path must take the id's lock with IRQs off.
 */
KLPX_TEST(shadow_changes_from_process_softirq_and_hardirq_are_irq_safe)
{
	struct klpx_shadow_type a = PROBE_TYPE(200, "irq_safe", 32);
	char obj[4];
	int i;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	/* process context, IRQs on: every path that takes the id's lock */
	for (i = 0; i < 64; i++)	/* and a resize, grow and shrink */
		ASSERT_NOT_NULL(klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), &a,
						  GFP_KERNEL, NULL));
	shim_workqueue_drain();
	klpx_shadow_free_all(&a);
	shim_workqueue_drain();
	ASSERT_NOT_NULL(klpx_shadow_alloc(&obj[0], &a, GFP_KERNEL, NULL));
	ASSERT_NOT_NULL(klpx_shadow_get_or_alloc(&obj[1], &a, GFP_KERNEL, NULL));
	klpx_shadow_free(&obj[1], &a);
	klpx_shadow_free_all(&a);

	for (i = 0; i < 2; i++) {
		if (i)
			shim_hardirq_enter();
		else
			shim_softirq_enter();
		ASSERT_NOT_NULL(klpx_shadow_alloc(&obj[2], &a, GFP_ATOMIC, NULL));
		EXPECT_NOT_NULL(klpx_shadow_get_or_alloc(&obj[3], &a,
							  GFP_ATOMIC, NULL));
		EXPECT_NOT_NULL(klpx_shadow_get(&obj[2], &a));
		EXPECT_EQ(klpx_shadow_count(&a), 2);
		klpx_shadow_free(&obj[2], &a);
		klpx_shadow_free_all(&a);
		EXPECT_EQ(klpx_shadow_count(&a), 0);
		if (i)
			shim_hardirq_exit();
		else
			shim_softirq_exit();
	}
	/* and back in process context, after the interrupts */
	ASSERT_NOT_NULL(klpx_shadow_alloc(&obj[0], &a, GFP_KERNEL, NULL));
	klpx_shadow_free(&obj[0], &a);
	EXPECT_EQ(shim_splat_pending(), 0);
	klpx_shadow_unregister(&a);
}

/*
 * API.md 6: on PREEMPT_RT get is still callable from hard-IRQ context, so
 * it takes no spinlock_t (a sleeping lock there); changes from process
 * context run with preemption on, ctor and dtor included.
 */
KLPX_TEST(shadow_get_in_hardirq_on_preempt_rt_takes_no_sleeping_lock)
{
	struct klpx_shadow_type a = PROBE_TYPE(201, "rt", 32);
	char obj[2];

	shim_set_preempt_rt(true);
	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_NOT_NULL(klpx_shadow_alloc(&obj[0], &a, GFP_KERNEL, NULL));
	/* preemptible there: the shims' atomic-context check says so */
	EXPECT_TRUE(probe.ctor_not_atomic);

	shim_hardirq_enter();
	EXPECT_NOT_NULL(klpx_shadow_get(&obj[0], &a));
	EXPECT_NULL(klpx_shadow_get(&obj[1], &a));
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	shim_hardirq_exit();
	EXPECT_EQ(shim_splat_pending(), 0);

	klpx_shadow_free(&obj[0], &a);
	klpx_shadow_unregister(&a);
	shim_set_preempt_rt(false);
}

/*
 * A creation allocates its variable with preemption off, as a lookup
 * runs, where spinlock_t spins (no rcu_read_lock() calls on its path);
 * on PREEMPT_RT, where the id's lock sleeps and may not be taken with
 * preemption off, inside rcu_read_lock() and preemptible.
 */
static int atomic_slab_allocs, slab_allocs;

static void count_atomic_slab_allocs(enum shim_alloc_kind kind,
				     unsigned int gfp)
{
	if (kind != SHIM_SLAB)
		return;
	__atomic_add_fetch(&slab_allocs, 1, __ATOMIC_SEQ_CST);
	if (in_atomic())
		__atomic_add_fetch(&atomic_slab_allocs, 1, __ATOMIC_SEQ_CST);
}

KLPX_TEST(shadow_creation_allocates_with_preemption_off_except_on_preempt_rt)
{
	struct klpx_shadow_type a = PROBE_TYPE(202, "create_atomic", 32);
	char obj[4];
	int rt;

	probe.size = 32;
	for (rt = 0; rt < 2; rt++) {
		shim_set_preempt_rt(rt);
		ASSERT_EQ(klpx_shadow_register(&a), 0);
		slab_allocs = atomic_slab_allocs = 0;
		shim_set_alloc_hook(count_atomic_slab_allocs);
		EXPECT_NOT_NULL(klpx_shadow_alloc(&obj[0], &a, GFP_KERNEL, NULL));
		EXPECT_NOT_NULL(klpx_shadow_get_or_alloc(&obj[1], &a,
							  GFP_KERNEL, NULL));
		shim_set_alloc_hook(NULL);
		EXPECT_EQ(slab_allocs, 2);
		EXPECT_EQ(atomic_slab_allocs, rt ? 0 : 2);
		/* and no sleeping lock with preemption off on PREEMPT_RT */
		EXPECT_EQ(shim_splat_pending(), 0);
		klpx_shadow_unregister(&a);
	}
	shim_set_preempt_rt(false);
}

/* ------------------------------------------------------------------ */
/* guards                                                              */
/* ------------------------------------------------------------------ */

/*
 * API.md 2.1: a new data layout takes a new id.  A struct that shares a
 * live id but disagrees on the size is refused at registration; used
 * without registration it must not create variables of the wrong size
 * (a writer of 64 bytes into 16 would overrun them).
 */
KLPX_TEST(shadow_struct_with_the_wrong_size_creates_nothing)
{
	struct klpx_shadow_type a = { .id = 205, .name = "sized", .size = 16 };
	struct klpx_shadow_type wrong = { .id = 205, .name = "sized", .size = 64 };
	char obj[2];

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	EXPECT_EQ(klpx_shadow_register(&wrong), -EINVAL);
	shim_log_clear();
	EXPECT_NULL(klpx_shadow_alloc(&obj[0], &wrong, GFP_KERNEL, NULL));
	EXPECT_NULL(klpx_shadow_get_or_alloc(&obj[1], &wrong, GFP_KERNEL, NULL));
	EXPECT_EQ(klpx_shadow_count(&a), 0);
	EXPECT_EQ(shim_log_count(3, "sized"), 2);
	/* the right struct still works */
	EXPECT_NOT_NULL(klpx_shadow_alloc(&obj[0], &a, GFP_KERNEL, NULL));
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	klpx_shadow_unregister(&a);
}

/* API.md 2.2: unregistering a type that is not registered WARNs once. */
KLPX_TEST(shadow_unregister_of_unregistered_type_warns_only_the_first_time)
{
	struct klpx_shadow_type never = { .id = 206, .name = "never" };
	struct klpx_shadow_type a = { .id = 207, .name = "twice" };
	int i;

	for (i = 0; i < 3; i++)
		klpx_shadow_unregister(&never);
	EXPECT_WARNS(1);
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	klpx_shadow_unregister(&a);
	klpx_shadow_unregister(&a);
	EXPECT_WARNS(0);
}
