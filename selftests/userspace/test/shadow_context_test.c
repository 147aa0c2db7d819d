// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel checks and a userspace run would not see without the
 * shims' help: the interrupt contexts the shadow API is called from
 * (lockdep's IRQ-safety rules, PREEMPT_RT's sleeping spinlocks), and the
 * work an operation does, counted in chains and nodes visited rather than
 * timed: O(1) lookups whatever the stride of the parent objects, a
 * free_all that touches only its own id.  Also the guards that only a
 * deliberate misuse reaches: a struct whose size disagrees with its id's,
 * and the once-only WARN.
 */
#include <stdint.h>

#include <linux/gfp.h>
#include <linux/klpx.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>
#include <shim.h>

#include "harness.h"
#include "probe.h"

/* Parent objects are never dereferenced: any address will do as a key. */
#define KEY(base, stride, i) ((void *)(uintptr_t)((base) + (uintptr_t)(stride) * (i)))
#define DIRECT_MAP	0xffff888100000000UL

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

/* ------------------------------------------------------------------ */
/* work done, counted                                                  */
/* ------------------------------------------------------------------ */

struct chain_stats {
	unsigned long lookups, nodes, max, walks;
};

/* the nodes klpx_shadow_get() steps on to find (or miss) @obj */
static void count_get(struct chain_stats *st, void *obj,
		      struct klpx_shadow_type *type, bool present)
{
	unsigned long nodes = shim_hlist_nodes, walks = shim_hlist_walks;
	void *p = klpx_shadow_get(obj, type);

	if (present)
		ASSERT_NOT_NULL(p);
	else
		ASSERT_NULL(p);
	nodes = shim_hlist_nodes - nodes;
	st->lookups++;
	st->nodes += nodes;
	st->walks += shim_hlist_walks - walks;
	if (nodes > st->max)
		st->max = nodes;
}

/*
 * API.md 2.5: get costs O(1) expected time however many variables exist.
 * Parent objects are usually an array or a slab, so their addresses form
 * a stride: 64 bytes (a power of two), 48 and 96 (slabs whose stride
 * a plain multiplicative hash maps onto a fraction of the chains).  Once
 * the tables settle, a hit must step on about one node and no chain may
 * be long; a miss walks at most a few chains.
 */
KLPX_TEST(shadow_get_visits_short_chains_for_every_stride)
{
	static const unsigned long strides[] = { 48, 64, 96, 4096 };
	struct klpx_shadow_type a = { .id = 202, .name = "strides", .size = 8 };
	unsigned long n = kt_scaled(1UL << 13), i, s;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (s = 0; s < ARRAY_SIZE(strides); s++) {
		struct chain_stats hit = { 0 }, miss = { 0 };

		for (i = 0; i < n; i++)
			ASSERT_NOT_NULL(klpx_shadow_alloc(KEY(DIRECT_MAP, strides[s], i),
							  &a, GFP_KERNEL, NULL));
		shim_workqueue_drain();
		for (i = 0; i < n; i++) {
			count_get(&hit, KEY(DIRECT_MAP, strides[s], i), &a, true);
			/* between two objects: never a variable */
			count_get(&miss, KEY(DIRECT_MAP + 8, strides[s], i), &a,
				  false);
		}
		kt_info("stride %lu, %lu variables: a hit visits %.2f nodes (max %lu), a miss %.2f (max %lu) in %.2f chains",
			strides[s], n, (double)hit.nodes / hit.lookups, hit.max,
			(double)miss.nodes / miss.lookups, miss.max,
			(double)miss.walks / miss.lookups);
		/* random keys at load <= 1: 1.5 on average, longest ~8 */
		EXPECT_LE(hit.nodes, 2 * hit.lookups);
		EXPECT_LE(hit.max, 16);
		EXPECT_LE(miss.nodes, 2 * miss.lookups);
		EXPECT_LE(miss.max, 32);
		EXPECT_LE(miss.walks, 4 * miss.lookups);
		klpx_shadow_free_all(&a);
		shim_workqueue_drain();
	}
	klpx_shadow_unregister(&a);
}

/*
 * API.md 2.9: free_all costs time proportional to the variables of its
 * id, not to the variables of other ids: it visits the chains of its own
 * (small) table only, and every node it steps on is one it destroys.
 */
KLPX_TEST(shadow_free_all_visits_only_its_own_id)
{
	struct klpx_shadow_type small = PROBE_TYPE(203, "small", 32);
	struct klpx_shadow_type big = { .id = 204, .name = "big", .size = 8 };
	unsigned long n = kt_scaled(1UL << 14), walks, nodes, i;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&small), 0);
	ASSERT_EQ(klpx_shadow_register(&big), 0);
	for (i = 0; i < n; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), &big,
						  GFP_KERNEL, NULL));
	for (i = 0; i < 8; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), &small,
						  GFP_KERNEL, NULL));
	shim_workqueue_drain();

	walks = shim_hlist_walks;
	nodes = shim_hlist_nodes;
	klpx_shadow_free_all(&small);
	walks = shim_hlist_walks - walks;
	nodes = shim_hlist_nodes - nodes;
	kt_info("free_all of 8 variables next to %lu: %lu chains, %lu nodes",
		n, walks, nodes);
	EXPECT_EQ(probe.dtor_calls[0], 8);
	EXPECT_EQ(nodes, 8);
	/* the smallest table has 16 chains */
	EXPECT_LE(walks, 16);
	EXPECT_EQ(klpx_shadow_count(&big), n);

	walks = shim_hlist_walks;
	nodes = shim_hlist_nodes;
	klpx_shadow_free_all(&big);
	EXPECT_EQ(shim_hlist_nodes - nodes, n);
	/* load between 1/2 and 1 once settled: at most 2 chains a variable */
	EXPECT_LE(shim_hlist_walks - walks, 2 * n);
	EXPECT_EQ(klpx_shadow_count(&big), 0);
	klpx_shadow_unregister(&small);
	klpx_shadow_unregister(&big);
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
