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
	/* load between 1/2 and 1 once settled: at most 2 chains a variable */
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
 * One try: grow @a's table from 256 to 512 chains, held after the first
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
