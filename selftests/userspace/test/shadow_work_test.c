// SPDX-License-Identifier: GPL-2.0
/*
 * The work an operation does, counted in chains and nodes visited rather
 * than timed: O(1) lookups whatever the stride of the parent objects, a
 * free_all that touches only its own id and its own variables, a lookup
 * through an unregistered struct that walks no other id, tables that
 * shrink when variables go.
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
		kt_info("stride %lu, %lu variables: a hit steps on %.2f variables (max %lu), a miss %.2f (max %lu), reading %.2f links",
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
 * id, not to the variables of other ids: the links it reads (chain heads
 * and variables' next links, counted by the shims' rcu_dereference_*())
 * are a few per chain of its own small table and per variable it
 * destroys.
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
	kt_info("free_all of 8 variables next to %lu: %lu links read, %lu to a variable",
		n, walks, nodes);
	EXPECT_EQ(probe.dtor_calls[0], 8);
	/* a few links per variable and per chain of its 16 */
	EXPECT_LE(nodes, 4 * 8);
	EXPECT_LE(walks, 4 * (16 + 8));
	EXPECT_EQ(klpx_shadow_count(&big), n);

	walks = shim_hlist_walks;
	nodes = shim_hlist_nodes;
	klpx_shadow_free_all(&big);
	kt_info("free_all of %lu variables: %lu links read", n,
		shim_hlist_walks - walks);
	EXPECT_LE(shim_hlist_nodes - nodes, 4 * n);
	/* load between 1 and 2 once settled: at most a chain a variable */
	EXPECT_LE(shim_hlist_walks - walks, 4 * (2 * n + n));
	EXPECT_EQ(klpx_shadow_count(&big), 0);
	klpx_shadow_unregister(&small);
	klpx_shadow_unregister(&big);
}

/*
 * A work item that holds the deferred-work worker until the test opens
 * it: what is queued behind it (a resize) waits meanwhile.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered, open;
	struct work_struct work;
} gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };

static void gate_fn(struct work_struct *work)
{
	pthread_mutex_lock(&gate.lock);
	gate.entered = true;
	pthread_cond_broadcast(&gate.cond);
	while (!gate.open)
		pthread_cond_wait(&gate.cond, &gate.lock);
	pthread_mutex_unlock(&gate.lock);
}

static void gate_close(void)
{
	gate.entered = gate.open = false;
	INIT_WORK(&gate.work, gate_fn);
	schedule_work(&gate.work);
	pthread_mutex_lock(&gate.lock);
	while (!gate.entered)
		pthread_cond_wait(&gate.cond, &gate.lock);
	pthread_mutex_unlock(&gate.lock);
}

static void gate_open(void)
{
	pthread_mutex_lock(&gate.lock);
	gate.open = true;
	pthread_cond_broadcast(&gate.cond);
	pthread_mutex_unlock(&gate.lock);
	shim_workqueue_drain();
}

/*
 * API.md 2.9 again, where the table is much larger than the variables:
 * right after most of them were freed one by one, before the shrink those
 * frees queued has run.  free_all still reads a few links per variable
 * left, not one per chain of the large table.
 */
KLPX_TEST(shadow_free_all_before_a_pending_shrink_visits_only_its_variables)
{
	struct klpx_shadow_type a = PROBE_TYPE(212, "shrinking", 32);
	unsigned long n = 1UL << 14, left = 8, walks, nodes, i;
	unsigned int bits;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < n; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), &a,
						  GFP_KERNEL, NULL));
	shim_workqueue_drain();

	gate_close();
	for (i = 0; i < n - left; i++)
		klpx_shadow_free(KEY(DIRECT_MAP, 64, i), &a);
	/* the shrink is queued behind the gate: the table is still large */
	klpx_shadow_get(KEY(DIRECT_MAP, 64, n - 1), &a);
	bits = shim_hash_last_bits;
	EXPECT_LE(n, 2UL << bits);
	EXPECT_EQ(probe.dtor_calls[0], n - left);

	walks = shim_hlist_walks;
	nodes = shim_hlist_nodes;
	klpx_shadow_free_all(&a);
	walks = shim_hlist_walks - walks;
	nodes = shim_hlist_nodes - nodes;
	kt_info("free_all of %lu variables left in 2^%u chains: %lu links read, %lu to a variable",
		left, bits, walks, nodes);
	EXPECT_EQ(probe.dtor_calls[0], n);
	EXPECT_EQ(klpx_shadow_count(&a), 0);
	EXPECT_LE(nodes, 4 * left);
	EXPECT_LE(walks, 4 * left + 4);

	gate_open();
	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], n);
}

/*
 * A struct that is not itself registered finds its id's class by id: in
 * a hash, not by walking every registered id (the shims count the nodes
 * of RCU list walks as well as of hash chains).
 */
KLPX_TEST(shadow_lookup_through_an_unregistered_struct_does_not_walk_every_id)
{
	enum { IDS = 512 };
	static struct klpx_shadow_type types[IDS];
	struct klpx_shadow_type other = { .name = "id", .size = 8 };
	unsigned long nodes, max_nodes = 0, i;
	char obj;

	for (i = 0; i < IDS; i++) {
		types[i] = (struct klpx_shadow_type){ .id = 1000 + i,
						      .name = "id", .size = 8 };
		ASSERT_EQ(klpx_shadow_register(&types[i]), 0);
	}
	ASSERT_NOT_NULL(klpx_shadow_alloc(&obj, &types[IDS - 1], GFP_KERNEL,
					  NULL));
	for (i = 0; i < IDS; i += 37) {
		other.id = 1000 + i;
		nodes = shim_hlist_nodes;
		EXPECT_EQ(klpx_shadow_count(&other), 0);
		nodes = shim_hlist_nodes - nodes;
		if (nodes > max_nodes)
			max_nodes = nodes;
	}
	other.id = 1000 + IDS - 1;
	EXPECT_EQ(klpx_shadow_get(&obj, &other), klpx_shadow_get(&obj, &types[IDS - 1]));
	EXPECT_EQ(klpx_shadow_count(&other), 1);
	kt_info("%d ids: a lookup by id visits at most %lu classes", IDS,
		max_nodes);
	/* a chain of a hash of 256 heads, not the 512 ids */
	EXPECT_LE(max_nodes, 16);
	for (i = 0; i < IDS; i++)
		klpx_shadow_unregister(&types[i]);
}

/*
 * The table follows the variables down as well as up: an id that had
 * many variables and lost them does not keep a table sized for them.
 */
KLPX_TEST(shadow_tables_shrink_when_variables_go)
{
	struct klpx_shadow_type a = { .id = 209, .name = "shrinking", .size = 8 };
	unsigned long n = 1UL << 12, i;
	unsigned int grown;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < n; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), &a,
						  GFP_KERNEL, NULL));
	shim_workqueue_drain();
	klpx_shadow_get(KEY(DIRECT_MAP, 64, 1), &a);
	grown = shim_hash_last_bits;
	for (i = 0; i < n - 4; i++)
		klpx_shadow_free(KEY(DIRECT_MAP, 64, i), &a);
	shim_workqueue_drain();
	klpx_shadow_get(KEY(DIRECT_MAP, 64, n - 1), &a);
	kt_info("%lu variables: 2^%u chains; 4 left: 2^%u", n, grown,
		shim_hash_last_bits);
	EXPECT_LE(n, 2UL << grown);
	EXPECT_LE(shim_hash_last_bits, 6);
	klpx_shadow_free_all(&a);
	klpx_shadow_unregister(&a);
}
