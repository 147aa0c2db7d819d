// SPDX-License-Identifier: GPL-2.0
/*
 * Publication order: what a lockless reader may see of memory that a
 * writer made and then linked in.  On x86 the hardware and the compiler
 * rarely reorder such stores, so a missing barrier shows as a data race
 * under ThreadSanitizer only, and only when the reader reaches the new
 * memory through the one pointer that publishes it: the cases below hold
 * the threads so that it does.  Under ASan they check the results alone.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/hash.h>
#include <linux/klpx.h>
#include <shim.h>

#include "harness.h"

/*
 * chains one batch of a resize looks at, at most, under one hold of the
 * id's lock (shadow/resize.c: it stops earlier after 64 moves)
 */
#define RESIZE_BATCH	256

/*
 * The chain of a table of 2^@shift chains that shadow/table.h puts @obj
 * in.  A table of twice the size splits chain c into 2c and 2c + 1.
 */
static unsigned int store_chain(const void *obj, unsigned int shift)
{
	u64 x = (u64)(uintptr_t)obj * GOLDEN_RATIO_64;

	/* shadow/table.h folds the product by KLPX_SHADOW_HASH_FOLD */
	return (x ^ (x << 17)) >> (64 - shift);
}

/* ------------------------------------------------------------------ */
/* a resize's new table, found by a reader already in the slow path    */
/* ------------------------------------------------------------------ */

/*
 * Every handover between the threads goes through a sequentially
 * consistent flag, but for @published: the resize sets it with a relaxed
 * store, so that the reader learns of the new table only from the store
 * itself, as a reader on another CPU would.
 */
static struct {
	unsigned long main_task, reader_task;
	struct klpx_shadow_type *type;
	void *key, *found;
	bool in_fast, release_fast;	/* held in the first, lockless walk */
	bool in_slow;			/* held in the slow path's walk */
	bool armed, published, release_worker;
	unsigned long begins;
} nt;

static void nt_hold_reader(const void *node)
{
	unsigned long spins = 0;

	if (!__atomic_load_n(&nt.in_fast, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&nt.in_fast, true, __ATOMIC_SEQ_CST);
		while (!__atomic_load_n(&nt.release_fast, __ATOMIC_SEQ_CST))
			sched_yield();
		return;
	}
	/* a node of the current table's chain, seen from the slow path */
	if (shim_seq_read_begins == nt.begins ||
	    __atomic_load_n(&nt.in_slow, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&nt.in_slow, true, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&nt.published, __ATOMIC_RELAXED)) {
		if (!kt_wait_step(&spins)) {
			kt_fail(__FILE__, __LINE__,
				"no resize stopped after publishing its table");
			return;
		}
	}
}

static void *nt_reader(void *arg)
{
	nt.reader_task = shim_current()->id;
	nt.begins = shim_seq_read_begins;
	shim_hlist_visit_hook = nt_hold_reader;
	nt.found = klpx_shadow_get(nt.key, nt.type);
	shim_hlist_visit_hook = NULL;
	return NULL;
}

/* the resize, after publishing its table and moving its first batch */
static void nt_hold_resize(void)
{
	unsigned long me = shim_current()->id;

	if (me == nt.main_task ||
	    me == __atomic_load_n(&nt.reader_task, __ATOMIC_SEQ_CST) ||
	    !__atomic_exchange_n(&nt.armed, false, __ATOMIC_SEQ_CST))
		return;
	__atomic_store_n(&nt.published, true, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&nt.release_worker, __ATOMIC_SEQ_CST))
		sched_yield();
}

/*
 * A key never given a variable whose lookup walks a variable at each
 * stage, so that the hooks fire: its chain of the first table (128
 * chains, variables 0..199) and of the second (256 chains, 0..255) have
 * variables; the second's is in that table's second half, which the
 * first batch of a resize to 512 chains does not reach (it stops after
 * 64 moves, and the table holds 512 variables then), so its chain of the
 * third table is still empty then.
 */
static void *nt_pick_key(void)
{
	unsigned long i, j;
	bool first, second;

	for (j = 0; j < 4096; j++) {
		void *key = KEY(DIRECT_MAP + 32, 64, j);

		if (store_chain(key, 8) < RESIZE_BATCH / 2)
			continue;
		first = second = false;
		for (i = 0; i < 256; i++) {
			void *obj = KEY(DIRECT_MAP, 64, i);

			if (i < 200 && store_chain(obj, 7) == store_chain(key, 7))
				first = true;
			if (store_chain(obj, 8) == store_chain(key, 8))
				second = true;
		}
		if (first && second)
			return key;
	}
	return NULL;
}

/*
 * A reader misses in the first table while a resize replaces it (held in
 * its walk meanwhile), so it looks again the slow way: in the second
 * table, unflagged, and then in the new table of the next resize, if
 * any.  The next resize starts while the reader walks the second table,
 * and the reader goes on as soon as the new table is published.  The
 * table's zeroed chains must then be visible to it: the publication is a
 * release store paired with the reader's rcu_dereference().  The reader
 * synchronises with nothing else the resize did, so without that
 * pairing ThreadSanitizer reports its read of an empty chain against the
 * allocation that zeroed it.
 */
KLPX_TEST(shadow_get_sees_a_new_table_initialised_as_soon_as_it_is_published)
{
	struct klpx_shadow_type a = { .id = 230, .name = "publishing", .size = 8 };
	unsigned long i, works;
	pthread_t reader;

	memset(&nt, 0, sizeof(nt));
	nt.key = nt_pick_key();
	ASSERT_NOT_NULL(nt.key);
	nt.type = &a;
	nt.main_task = shim_current()->id;
	nt.reader_task = ~0UL;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < 200; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), &a,
						  GFP_KERNEL, NULL));
	shim_workqueue_drain();

	/* the reader, held in the first table: it resizes to 256 chains */
	ASSERT_EQ(shim_thread_create(&reader, nt_reader, NULL), 0);
	KT_WAIT_FOR(__atomic_load_n(&nt.in_fast, __ATOMIC_SEQ_CST));
	works = shim_work_executed();
	for (; i < 256; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), &a,
						  GFP_KERNEL, NULL));
	KT_WAIT_FOR(shim_work_executed() >= works + 2);
	shim_workqueue_drain();

	/* the reader, held in the second table: it resizes to 512 chains */
	__atomic_store_n(&nt.armed, true, __ATOMIC_SEQ_CST);
	shim_set_resched_hook(nt_hold_resize);
	__atomic_store_n(&nt.release_fast, true, __ATOMIC_SEQ_CST);
	KT_WAIT_FOR(__atomic_load_n(&nt.in_slow, __ATOMIC_SEQ_CST));
	for (; i < 512; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), &a,
						  GFP_KERNEL, NULL));

	/* the resize lets the reader go once its table is published */
	pthread_join(reader, NULL);
	__atomic_store_n(&nt.release_worker, true, __ATOMIC_SEQ_CST);
	shim_workqueue_drain();
	shim_set_resched_hook(NULL);

	EXPECT_NULL(nt.found);
	/* the resize did stop with its table published: the case held */
	EXPECT_FALSE(__atomic_load_n(&nt.armed, __ATOMIC_SEQ_CST));
	for (i = 0; i < 512; i++)
		EXPECT_NOT_NULL(klpx_shadow_get(KEY(DIRECT_MAP, 64, i), &a));
	klpx_shadow_unregister(&a);
}
