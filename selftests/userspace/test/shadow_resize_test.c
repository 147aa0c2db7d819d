// SPDX-License-Identifier: GPL-2.0
/*
 * How much a resize does per hold of the id's lock, and when the table
 * shrinks.
 */
#include <pthread.h>
#include <sched.h>

#include <linux/gfp.h>
#include <linux/klpx.h>
#include <linux/workqueue.h>
#include <shim.h>

#include "harness.h"
#include "shadow.h"

static char objs[1 << 13];

#define OBJ(i)	((void *)&objs[i])

/* The shift of the table a lookup of @obj looks in first. */
static unsigned int table_bits(void *obj, struct klpx_shadow_type *type)
{
	shim_hash_last_bits = 0;
	klpx_shadow_get(obj, type);
	return shim_hash_last_bits;
}

/* ------------------------------------------------------------------ */
/* a resize over long chains                                           */
/* ------------------------------------------------------------------ */

/* Holds the one worker until released, so that no resize runs. */
static bool blocker_release;

static void blocker_fn(struct work_struct *work)
{
	unsigned long spins = 0;

	while (!__atomic_load_n(&blocker_release, __ATOMIC_SEQ_CST))
		if (!kt_wait_step(&spins))
			return;
}

static unsigned long reschedules;

/* The resize calls cond_resched() after each hold of the id's lock. */
static void count_reschedule(void)
{
	__atomic_fetch_add(&reschedules, 1, __ATOMIC_SEQ_CST);
}

/*
 * Creations that cannot sleep leave the growth to the worker; with the
 * worker held, 4000 of them pile up in the first table's 16 chains.  The
 * resize that follows must move them in batches of a bounded number of
 * variables, not of chains: 16 chains in one batch would be 4000 moves
 * with IRQs off.
 */
KLPX_TEST(shadow_resize_over_long_chains_moves_64_variables_per_hold)
{
	struct klpx_shadow_type a = { .id = 601, .name = "long_chains", .size = 8 };
	DECLARE_WORK(blocker, blocker_fn);
	unsigned long n = 4000, i, holds;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	shim_workqueue_drain();
	__atomic_store_n(&blocker_release, false, __ATOMIC_SEQ_CST);
	queue_work(system_wq, &blocker);
	for (i = 0; i < n; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_ATOMIC, NULL));
	EXPECT_EQ(table_bits(OBJ(0), &a), 4);
	EXPECT_TRUE(klpx_shadow_longest_chain(&a) > 64);

	__atomic_store_n(&reschedules, 0, __ATOMIC_SEQ_CST);
	shim_set_resched_hook(count_reschedule);
	__atomic_store_n(&blocker_release, true, __ATOMIC_SEQ_CST);
	shim_workqueue_drain();
	shim_set_resched_hook(NULL);
	holds = __atomic_load_n(&reschedules, __ATOMIC_SEQ_CST);

	kt_info("%lu variables moved in %lu holds of the lock", n, holds);
	EXPECT_TRUE(holds >= n / 64);
	EXPECT_TRUE(table_bits(OBJ(0), &a) > 4);
	for (i = 0; i < n; i++)
		EXPECT_NOT_NULL(klpx_shadow_get(OBJ(i), &a));
	klpx_shadow_unregister(&a);
}

/*
 * With the worker held, as a caller that never yields holds it off its
 * CPU, creations that may sleep grow the table themselves: no chain gets
 * longer than a table at load 4 holds.
 */
KLPX_TEST(shadow_creations_that_may_sleep_grow_the_table_with_the_worker_held)
{
	struct klpx_shadow_type a = { .id = 603, .name = "helping", .size = 8 };
	DECLARE_WORK(blocker, blocker_fn);
	unsigned long n = 4000, i;
	size_t longest;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	shim_workqueue_drain();
	__atomic_store_n(&blocker_release, false, __ATOMIC_SEQ_CST);
	queue_work(system_wq, &blocker);
	for (i = 0; i < n; i++)
		ASSERT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(i), &a, GFP_KERNEL,
							 NULL));
	longest = klpx_shadow_longest_chain(&a);
	__atomic_store_n(&blocker_release, true, __ATOMIC_SEQ_CST);
	shim_workqueue_drain();

	kt_info("longest chain %zu with %lu variables in 2^%u chains",
		longest, n, table_bits(OBJ(0), &a));
	/* consecutive bytes: up to about 28 at load 4 (see kunit/growth) */
	EXPECT_LE(longest, 32);
	EXPECT_TRUE(table_bits(OBJ(0), &a) >= 11);
	for (i = 0; i < n; i++)
		EXPECT_NOT_NULL(klpx_shadow_get(OBJ(i), &a));
	klpx_shadow_unregister(&a);
}

/* ------------------------------------------------------------------ */
/* shrinking                                                           */
/* ------------------------------------------------------------------ */

/*
 * A table that 4096 variables grew to 2^12 chains shrinks when frees
 * leave it below load 1/2 (1500 variables, load 0.37), to a load between
 * 1 and 2: at load 1/8 it would hold 64 bytes of buckets per variable.
 */
KLPX_TEST(shadow_table_shrinks_below_load_a_half)
{
	struct klpx_shadow_type a = { .id = 602, .name = "shrink", .size = 8 };
	unsigned long n = 4096, left = 1500, i;
	unsigned int grown, shrunk;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < n; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	shim_workqueue_drain();
	grown = table_bits(OBJ(0), &a);
	EXPECT_EQ(grown, 12);

	for (i = left; i < n; i++)
		klpx_shadow_free(OBJ(i), &a);
	shim_workqueue_drain();
	shrunk = table_bits(OBJ(0), &a);
	kt_info("2^%u chains for %lu variables, 2^%u for %lu", grown, n,
		shrunk, left);
	EXPECT_EQ(shrunk, 10);
	for (i = 0; i < left; i++)
		EXPECT_NOT_NULL(klpx_shadow_get(OBJ(i), &a));
	klpx_shadow_unregister(&a);
}

/* ------------------------------------------------------------------ */
/* a lower load for small tables                                       */
/* ------------------------------------------------------------------ */

static void fill(struct klpx_shadow_type *type, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (!klpx_shadow_alloc(OBJ(i), type, GFP_KERNEL, NULL))
			kt_abort();
	shim_workqueue_drain();
}

/*
 * Within the allowance, the 1000 variables of an id live in a table eight
 * times larger than their count asks for: load 1/4, as in upstream's
 * fixed table at that count.  Without the allowance, at the natural size.
 * A second such id gets what the first left of the allowance.
 * Once the natural sizes of all tables together pass the allowance (an
 * id of 8192 variables alone does), no table grows past its natural size:
 * the memory of large stores stays what it was.
 */
KLPX_TEST(shadow_small_tables_take_a_lower_load_within_the_allowance)
{
	struct klpx_shadow_type a = { .id = 602, .name = "small", .size = 8 };
	struct klpx_shadow_type b = { .id = 603, .name = "large", .size = 8 };
	struct klpx_shadow_type c = { .id = 605, .name = "second", .size = 8 };
	unsigned int natural, boosted, second, large, after;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	fill(&a, 1000);
	natural = table_bits(OBJ(0), &a);
	klpx_shadow_unregister(&a);

	klpx_shadow_boost_allowance = 32 << 10;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	fill(&a, 1000);
	boosted = table_bits(OBJ(0), &a);
	/* a second id gets what is left: 4 KiB more, twice its size */
	ASSERT_EQ(klpx_shadow_register(&c), 0);
	fill(&c, 1000);
	second = table_bits(OBJ(0), &c);
	klpx_shadow_unregister(&c);

	ASSERT_EQ(klpx_shadow_register(&b), 0);
	fill(&b, 8192);
	large = table_bits(OBJ(0), &b);
	/* a's table shrinks, then grows back with the allowance spent */
	klpx_shadow_free_all(&a);
	shim_workqueue_drain();
	fill(&a, 1000);
	after = table_bits(OBJ(0), &a);
	kt_info("1000 variables: 2^%u chains, 2^%u within the allowance (2^%u for a second id), 2^%u beside 8192 in 2^%u",
		natural, boosted, second, after, large);
	klpx_shadow_unregister(&a);
	klpx_shadow_unregister(&b);

	EXPECT_EQ(natural, 9);
	EXPECT_EQ(boosted, 12);
	EXPECT_EQ(second, 10);
	EXPECT_EQ(large, 14);
	EXPECT_EQ(after, 9);
}

/* ------------------------------------------------------------------ */
/* a miss retries only when its own chain moved                        */
/* ------------------------------------------------------------------ */

static char grow_objs[1 << 15];

static struct {
	struct klpx_shadow_type t;
	unsigned long main_task;
	bool stop;
	/* lookups that took the slow way, those that looked again */
	unsigned long slow, again;
} M;

/* A walk gives way at every variable: batches run while it stands there. */
static void yield_at(const void *node)
{
	sched_yield();
}

/*
 * Between two batches, the resize lets the reader miss a few times more:
 * misses meet every part of the resize, however the threads are run.
 */
static void pace_resize(void)
{
	unsigned long spins = 0,
		      from = __atomic_load_n(&M.slow, __ATOMIC_SEQ_CST);

	if (shim_current()->id == M.main_task)
		return;
	while (__atomic_load_n(&M.slow, __ATOMIC_SEQ_CST) < from + 4 &&
	       !__atomic_load_n(&M.stop, __ATOMIC_SEQ_CST))
		if (!kt_wait_step(&spins))
			return;
}

/* Gets of keys no variable has, in a tight loop, as long as the store grows. */
static void *miss_reader(void *arg)
{
	unsigned long i = 0, before, rounds;

	shim_hlist_visit_hook = yield_at;
	while (!__atomic_load_n(&M.stop, __ATOMIC_SEQ_CST)) {
		before = shim_seq_read_begins;
		if (klpx_shadow_get(&grow_objs[2 * (i++ % 4096) + 1], &M.t))
			kt_abort();
		rounds = shim_seq_read_begins - before;
		if (!rounds)
			continue;
		__atomic_fetch_add(&M.slow, 1, __ATOMIC_SEQ_CST);
		M.again += rounds > 1;
	}
	return NULL;
}

/*
 * A lookup that misses while a resize moves variables looks again only if
 * the moves reached its own chain meanwhile: each batch publishes the
 * range of chains it may touch, a few hundred of the 16384 here.  With one
 * counter for the whole id, every batch anywhere in the table made it
 * look again, and a miss could go on looking for as long as the resize
 * lasted.  The reader's keys are odd addresses: no variable has one.
 */
KLPX_TEST(shadow_get_miss_retries_only_when_its_own_chain_moved)
{
	unsigned long i, n = sizeof(grow_objs) / 2;
	pthread_t reader;

	M.t = (struct klpx_shadow_type){ .id = 604, .name = "growing", .size = 8 };
	ASSERT_EQ(klpx_shadow_register(&M.t), 0);
	/* even addresses: one variable every other byte; 2^14 chains */
	for (i = 0; i < n / 2; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(&grow_objs[2 * i], &M.t,
						  GFP_KERNEL, NULL));
	shim_workqueue_drain();
	M.main_task = shim_current()->id;
	shim_set_resched_hook(pace_resize);
	ASSERT_EQ(shim_thread_create(&reader, miss_reader, NULL), 0);
	/* the last of these grows the table to 2^15 chains */
	for (; i < n; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(&grow_objs[2 * i], &M.t,
						  GFP_KERNEL, NULL));
	shim_workqueue_drain();
	__atomic_store_n(&M.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(reader, NULL);
	shim_set_resched_hook(NULL);
	klpx_shadow_unregister(&M.t);

	kt_info("%lu misses during a resize of 2^14 chains, %lu looked again",
		M.slow, M.again);
	EXPECT_TRUE(M.slow >= 100);
	/* at most one miss in 64 looks again (one in 12 did) */
	EXPECT_TRUE(M.again * 64 <= M.slow);
}
