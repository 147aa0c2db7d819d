// SPDX-License-Identifier: GPL-2.0
/*
 * Lockless lookups while a resize moves variables, each held by the
 * shims at the one point that matters: a miss on a chain the resize has
 * not moved yet is looked at again, and a lookup in the middle of one
 * batch of moves waits for the batch and retries.
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
/* a lockless miss while the resize moves chains                       */
/* ------------------------------------------------------------------ */

/*
 * The resize held after its first batch (see resize.c), and a
 * lockless reader held on a node of a chain the resize has not moved yet.
 */
static struct {
	unsigned long main_task;
	bool armed, worker_held, release_worker;
	unsigned long walks_at_start;
	bool reader_held, release_reader;
	void *key, *found;
	struct klpx_shadow_type *type;
} mv;

static void mv_hold_resize(void)
{
	if (shim_current()->id == mv.main_task ||
	    !__atomic_exchange_n(&mv.armed, false, __ATOMIC_SEQ_CST))
		return;
	__atomic_store_n(&mv.worker_held, true, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&mv.release_worker, __ATOMIC_SEQ_CST))
		sched_yield();
}

/*
 * A miss reads the chain of the old table twice (the fast look, then the
 * slow one that can retry): hold the reader on the first variable of
 * that chain the second time it steps on it.
 */
static const void *mv_a;
static int mv_a_seen;

static void mv_hold_reader(const void *node)
{
	if (node != mv_a || ++mv_a_seen != 2)
		return;
	__atomic_store_n(&mv.reader_held, true, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&mv.release_reader, __ATOMIC_SEQ_CST))
		sched_yield();
}

static void *mv_reader(void *arg)
{
	unsigned long *retries = arg;

	*retries = __atomic_load_n(&shim_seq_read_retries, __ATOMIC_SEQ_CST);
	shim_hlist_visit_hook = mv_hold_reader;
	mv.found = klpx_shadow_get(mv.key, mv.type);
	shim_hlist_visit_hook = NULL;
	*retries = __atomic_load_n(&shim_seq_read_retries, __ATOMIC_SEQ_CST) -
		   *retries;
	return NULL;
}

/* the variables a get steps on, in order */
static const void *mv_seen[16];
static unsigned int mv_nr_seen;

static void mv_record(const void *node)
{
	if (mv_nr_seen < 16)
		mv_seen[mv_nr_seen++] = node;
}

/* the first variable stepped on, when it was stepped on twice: an old chain's */
static const void *mv_old_chain_head(void)
{
	unsigned int i;

	for (i = 1; i < mv_nr_seen; i++)
		if (mv_seen[i] == mv_seen[0])
			return mv_seen[0];
	return NULL;
}

enum mv_result { MV_RETRIED, MV_INCONCLUSIVE, MV_MISSED, MV_NO_HOLD };

/*
 * One try: grow @a's table from 128 to 256 chains, held after the first
 * batch; make a variable for the @nth new key whose old chain is not
 * moved yet; hold a reader of it on that chain's first node, in its
 * second look at the old table; let the resize finish.
 */
static enum mv_result mv_try(struct klpx_shadow_type *a, unsigned int nth)
{
	unsigned long works, i, j, retries = 0;
	pthread_t reader;
	void *x = NULL;

	memset(&mv, 0, sizeof(mv));
	if (klpx_shadow_register(a))
		return MV_NO_HOLD;
	for (i = 0; i < 200; i++)
		if (!klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), a, GFP_KERNEL, NULL))
			kt_abort();
	shim_workqueue_drain();
	mv.main_task = shim_current()->id;
	mv.armed = true;
	shim_set_resched_hook(mv_hold_resize);
	works = shim_work_executed();
	for (; i < 256; i++)
		if (!klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), a, GFP_KERNEL, NULL))
			kt_abort();
	/* a resize kicked earlier may still run first, with nothing to do */
	for (i = 0; i < 4 && !__atomic_load_n(&mv.worker_held, __ATOMIC_SEQ_CST); i++) {
		KT_WAIT_FOR(__atomic_load_n(&mv.worker_held, __ATOMIC_SEQ_CST) ||
			    shim_work_executed() > works);
		works = shim_work_executed();
	}
	if (!__atomic_load_n(&mv.worker_held, __ATOMIC_SEQ_CST)) {
		shim_set_resched_hook(NULL);
		klpx_shadow_unregister(a);
		return MV_NO_HOLD;
	}

	shim_hlist_visit_hook = mv_record;
	for (j = 0; j < 4096 && !x; j++) {
		void *key = KEY(DIRECT_MAP + 32, 64, j);

		mv_nr_seen = 0;
		if (klpx_shadow_get(key, a))
			kt_abort();
		if (mv_old_chain_head() && !nth--) {
			mv_a = mv_old_chain_head();
			mv_a_seen = 0;
			shim_hlist_visit_hook = NULL;
			x = klpx_shadow_alloc(key, a, GFP_KERNEL, NULL);
			mv.key = key;
		}
	}
	shim_hlist_visit_hook = NULL;
	ASSERT_NOT_NULL(x);

	mv.type = a;
	ASSERT_EQ(shim_thread_create(&reader, mv_reader, &retries), 0);
	KT_WAIT_FOR(__atomic_load_n(&mv.reader_held, __ATOMIC_SEQ_CST));
	/*
	 * The resize moves everything and retires the old table, which is
	 * freed only after us: ASan would see the reader walk on in freed
	 * memory otherwise.
	 */
	works = shim_work_executed();
	__atomic_store_n(&mv.release_worker, true, __ATOMIC_SEQ_CST);
	KT_WAIT_FOR(shim_work_executed() > works);
	__atomic_store_n(&mv.release_reader, true, __ATOMIC_SEQ_CST);
	pthread_join(reader, NULL);
	shim_set_resched_hook(NULL);
	shim_workqueue_drain();
	klpx_shadow_unregister(a);

	if (mv.found != x)
		return mv.found ? MV_INCONCLUSIVE : MV_MISSED;
	/* found along the held variable's new chain: the try proves nothing */
	return retries ? MV_RETRIED : MV_INCONCLUSIVE;
}

/*
 * A reader that missed in the old table and walks it again while the
 * resize moves the rest of the chains and retires the old table follows
 * a moved node into a chain of the new table, then finds no new table:
 * only the seqcount retry makes it look again.  A variable made during a
 * resize lives in the new table only, so its first miss is real.  When
 * the held node's new chain happens to lead to the variable, the try
 * proves nothing and the next key is tried.
 */
KLPX_TEST(shadow_get_miss_during_a_move_is_retried)
{
	struct klpx_shadow_type a = { .id = 208, .name = "moving", .size = 8 };
	unsigned int nth, retried = 0;

	for (nth = 0; nth < 8 && !retried; nth++) {
		switch (mv_try(&a, nth)) {
		case MV_NO_HOLD:
			kt_skip("the store resizes without a scheduling point to stop at");
		case MV_MISSED:
			kt_fail(__FILE__, __LINE__,
				"a variable made during a resize was missed by a reader the move led astray");
			return;
		case MV_INCONCLUSIVE:
			break;
		case MV_RETRIED:
			retried++;
			break;
		}
	}
	kt_info("conclusive after %u tries", nth);
	EXPECT_EQ(retried, 1);
}

/* ------------------------------------------------------------------ */
/* a lockless lookup in the middle of one batch of moves               */
/* ------------------------------------------------------------------ */

/*
 * The old chain of X reads A, B, ..., X.  The reader is held on A in its
 * first walk; the resize moves A and stops before B, inside its batch.
 */
static struct {
	unsigned long main_task;
	bool armed, worker_held, release_worker;
	const void *pause_at;		/* the worker stops before moving this */
	const void *paused_on;		/* where the worker stands stopped */
	bool unpause;
	const void *a, *b, *x;
	unsigned long walks_at_start;
	int reader_hold;		/* 1: on A in walk 1; 2: on B in walk 2 */
	bool release_reader, reader_done;
	void *key, *found;
	struct klpx_shadow_type *type;
} ib;

static void ib_hold_resize(void)
{
	if (shim_current()->id == ib.main_task ||
	    !__atomic_exchange_n(&ib.armed, false, __ATOMIC_SEQ_CST))
		return;
	__atomic_store_n(&ib.worker_held, true, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&ib.release_worker, __ATOMIC_SEQ_CST))
		sched_yield();
}

/*
 * The resize reads the head of an old chain once more after moving the
 * variable before it (resize.c's move loop): the second time it reads
 * @pause_at, the variables before it have moved and it has not.
 */
static int ib_b_seen, ib_x_seen;

static void ib_writer(const void *node)
{
	const void *at = __atomic_load_n(&ib.pause_at, __ATOMIC_SEQ_CST);
	int seen;

	if (!node || (node != ib.b && node != ib.x))
		return;
	seen = node == ib.b ? ++ib_b_seen : ++ib_x_seen;
	if (node != at || seen != 2)
		return;
	__atomic_store_n(&ib.paused_on, node, __ATOMIC_SEQ_CST);
	while (!__atomic_exchange_n(&ib.unpause, false, __ATOMIC_SEQ_CST))
		sched_yield();
	__atomic_store_n(&ib.paused_on, NULL, __ATOMIC_SEQ_CST);
}

static void ib_reader_hold(int where)
{
	__atomic_store_n(&ib.reader_hold, where, __ATOMIC_SEQ_CST);
	while (!__atomic_exchange_n(&ib.release_reader, false, __ATOMIC_SEQ_CST))
		sched_yield();
}

static bool ib_a_held, ib_b_held;

static void ib_reader_visit(const void *node)
{
	if (node == ib.a && !ib_a_held) {
		ib_a_held = true;
		ib_reader_hold(1);
	} else if (node == ib.b && !ib_b_held) {
		ib_b_held = true;
		ib_reader_hold(2);
	}
}

static void *ib_reader(void *arg)
{
	ib.walks_at_start = shim_hlist_walks;
	shim_hlist_visit_hook = ib_reader_visit;
	ib.found = klpx_shadow_get(ib.key, ib.type);
	shim_hlist_visit_hook = NULL;
	__atomic_store_n(&ib.reader_done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

static enum mv_result ib_try(struct klpx_shadow_type *a, unsigned int nth)
{
	unsigned long works, i, seq_waits;
	pthread_t reader;
	enum mv_result r;

	memset(&ib, 0, sizeof(ib));
	if (klpx_shadow_register(a))
		return MV_NO_HOLD;
	for (i = 0; i < 200; i++)
		if (!klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), a, GFP_KERNEL, NULL))
			kt_abort();
	shim_workqueue_drain();
	ib.main_task = shim_current()->id;
	ib.armed = true;
	shim_set_resched_hook(ib_hold_resize);
	works = shim_work_executed();
	for (; i < 256; i++)
		if (!klpx_shadow_alloc(KEY(DIRECT_MAP, 64, i), a, GFP_KERNEL, NULL))
			kt_abort();
	/* a resize kicked earlier may still run first, with nothing to do */
	for (i = 0; i < 4 && !__atomic_load_n(&ib.worker_held, __ATOMIC_SEQ_CST); i++) {
		KT_WAIT_FOR(__atomic_load_n(&ib.worker_held, __ATOMIC_SEQ_CST) ||
			    shim_work_executed() > works);
		works = shim_work_executed();
	}
	if (!__atomic_load_n(&ib.worker_held, __ATOMIC_SEQ_CST)) {
		shim_set_resched_hook(NULL);
		klpx_shadow_unregister(a);
		return MV_NO_HOLD;
	}

	/*
	 * The @nth variable found as the third of three distinct variables
	 * stepped on: third in its chain.  Whether that chain is an old one
	 * the resize has still to move shows when the resize goes on.
	 */
	shim_hlist_visit_hook = mv_record;
	for (i = 0; i < 256 && !ib.key; i++) {
		mv_nr_seen = 0;
		if (!klpx_shadow_get(KEY(DIRECT_MAP, 64, i), a))
			kt_abort();
		if (mv_nr_seen == 3 && mv_seen[0] != mv_seen[1] &&
		    mv_seen[1] != mv_seen[2] && mv_seen[0] != mv_seen[2] &&
		    !nth--) {
			ib.key = KEY(DIRECT_MAP, 64, i);
			ib.a = mv_seen[0];
			ib.b = mv_seen[1];
			ib.x = mv_seen[2];
		}
	}
	shim_hlist_visit_hook = NULL;
	ib_b_seen = ib_x_seen = 0;
	ib_a_held = ib_b_held = false;
	if (!ib.key) {
		__atomic_store_n(&ib.release_worker, true, __ATOMIC_SEQ_CST);
		shim_set_resched_hook(NULL);
		shim_workqueue_drain();
		klpx_shadow_unregister(a);
		return MV_NO_HOLD;
	}

	ib.type = a;
	ASSERT_EQ(shim_thread_create(&reader, ib_reader, NULL), 0);
	KT_WAIT_FOR(__atomic_load_n(&ib.reader_hold, __ATOMIC_SEQ_CST) == 1);
	/* the resize goes on, moves A and stops before B, in its batch */
	__atomic_store_n(&ib.pause_at, ib.b, __ATOMIC_SEQ_CST);
	__atomic_store_n(&shim_hlist_writer_hook, ib_writer, __ATOMIC_SEQ_CST);
	works = shim_work_executed();
	__atomic_store_n(&ib.release_worker, true, __ATOMIC_SEQ_CST);
	KT_WAIT_FOR(__atomic_load_n(&ib.paused_on, __ATOMIC_SEQ_CST) == ib.b ||
		    shim_work_executed() > works);
	if (__atomic_load_n(&ib.paused_on, __ATOMIC_SEQ_CST) != ib.b) {
		/* the chain was a new one: the resize never came to it */
		__atomic_store_n(&ib.release_reader, true, __ATOMIC_SEQ_CST);
		pthread_join(reader, NULL);
		__atomic_store_n(&shim_hlist_writer_hook, NULL, __ATOMIC_SEQ_CST);
		shim_set_resched_hook(NULL);
		shim_workqueue_drain();
		klpx_shadow_unregister(a);
		return MV_INCONCLUSIVE;
	}

	/* A now leads the reader into a chain of the new table */
	seq_waits = __atomic_load_n(&shim_seq_read_waits, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ib.release_reader, true, __ATOMIC_SEQ_CST);
	KT_WAIT_FOR(__atomic_load_n(&ib.reader_hold, __ATOMIC_SEQ_CST) == 2 ||
		    __atomic_load_n(&shim_seq_read_waits, __ATOMIC_SEQ_CST) > seq_waits ||
		    __atomic_load_n(&ib.reader_done, __ATOMIC_SEQ_CST));
	if (__atomic_load_n(&ib.reader_hold, __ATOMIC_SEQ_CST) == 2) {
		/* it looked again without waiting for the batch: move B, not X */
		__atomic_store_n(&ib.pause_at, ib.x, __ATOMIC_SEQ_CST);
		__atomic_store_n(&ib.unpause, true, __ATOMIC_SEQ_CST);
		KT_WAIT_FOR(__atomic_load_n(&ib.paused_on, __ATOMIC_SEQ_CST) == ib.x);
		__atomic_store_n(&ib.release_reader, true, __ATOMIC_SEQ_CST);
	}
	KT_WAIT_FOR(__atomic_load_n(&ib.reader_done, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&shim_seq_read_waits, __ATOMIC_SEQ_CST) > seq_waits);
	/* let the batch finish */
	__atomic_store_n(&ib.pause_at, NULL, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ib.unpause, true, __ATOMIC_SEQ_CST);
	pthread_join(reader, NULL);
	__atomic_store_n(&shim_hlist_writer_hook, NULL, __ATOMIC_SEQ_CST);
	shim_set_resched_hook(NULL);
	shim_workqueue_drain();

	if (ib.found == klpx_shadow_get(ib.key, a) && ib.found)
		r = __atomic_load_n(&shim_seq_read_waits, __ATOMIC_SEQ_CST) > seq_waits ?
			MV_RETRIED : MV_INCONCLUSIVE;
	else
		r = MV_MISSED;
	klpx_shadow_unregister(a);
	return r;
}

/*
 * A lockless reader that steps onto a chain while one batch of the
 * resize is moving it may be led into the new table before the rest of
 * its chain got there.  The batch is a seqcount write section, so that
 * such a reader waits for it and looks again.
 */
KLPX_TEST(shadow_get_during_one_batch_of_moves_waits_and_retries)
{
	struct klpx_shadow_type a = { .id = 211, .name = "batch", .size = 8 };
	unsigned int nth, retried = 0;

	for (nth = 0; nth < 8 && !retried; nth++) {
		switch (ib_try(&a, nth)) {
		case MV_NO_HOLD:
			kt_skip("no resize to stop, or no chain of three variables");
		case MV_MISSED:
			kt_fail(__FILE__, __LINE__,
				"a reader in the middle of a batch of moves missed a variable");
			return;
		case MV_INCONCLUSIVE:
			break;
		case MV_RETRIED:
			retried++;
			break;
		}
	}
	kt_info("conclusive after %u tries", nth);
	EXPECT_EQ(retried, 1);
}
