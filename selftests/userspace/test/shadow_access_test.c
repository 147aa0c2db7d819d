// SPDX-License-Identifier: GPL-2.0
/*
 * The numbered behaviours of the shadow API (API.md section 2), sections
 * 5 to 8: get in any context and in constant time, alloc, get_or_alloc,
 * and the context of a ctor with the caller's gfp.
 */
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/klpx.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <shim.h>

#include "harness.h"
#include "probe.h"
#include "shadow.h"

static char objs[1 << 16];

#define OBJ(i)	((void *)&objs[i])

/* ------------------------------------------------------------------ */
/* 4. Unregistered types                                               */
/* ------------------------------------------------------------------ */

static void expect_harmless_and_logged(struct klpx_shadow_type *t,
				       const char *name)
{
	unsigned long logged = shim_log_count(LOGLEVEL_ERR, name);
	long live = shim_alloc_live_total();
	unsigned long ctors = probe.ctor_calls;

	EXPECT_NULL(klpx_shadow_get(OBJ(1), t));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 1);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), t, GFP_KERNEL, NULL));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 2);
	EXPECT_NULL(klpx_shadow_get_or_alloc(OBJ(1), t, GFP_ATOMIC, NULL));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 3);
	klpx_shadow_free(OBJ(1), t);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 4);
	klpx_shadow_free_all(t);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 5);
	EXPECT_EQ(klpx_shadow_count(t), 0);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 6);

	EXPECT_EQ(probe.ctor_calls, ctors);
	EXPECT_EQ(shim_alloc_live_total(), live);
	EXPECT_WARNS(0);
}

KLPX_TEST(shadow_ops_on_never_registered_type_return_nothing_and_log)
{
	struct klpx_shadow_type ghost = PROBE_TYPE(40, "ghost_type", 32);

	expect_harmless_and_logged(&ghost, "ghost_type");
}

KLPX_TEST(shadow_ops_after_gc_return_nothing_and_log)
{
	struct klpx_shadow_type a = PROBE_TYPE(41, "collected_type", 32);
	int i;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < 10; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	klpx_shadow_unregister(&a);
	expect_harmless_and_logged(&a, "collected_type");
	EXPECT_EQ(probe.dtor_calls[0], 10);
}

KLPX_TEST(shadow_ops_on_null_type_return_nothing)
{
	long live = shim_alloc_live_total();

	EXPECT_NULL(klpx_shadow_get(OBJ(1), NULL));
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), NULL, GFP_KERNEL, NULL));
	EXPECT_NULL(klpx_shadow_get_or_alloc(OBJ(1), NULL, GFP_KERNEL, NULL));
	klpx_shadow_free(OBJ(1), NULL);
	klpx_shadow_free_all(NULL);
	EXPECT_EQ(klpx_shadow_count(NULL), 0);
	EXPECT_EQ(shim_alloc_live_total(), live);
	EXPECT_WARNS(0);
}

KLPX_TEST(shadow_unregistered_type_errors_are_ratelimited)
{
	struct klpx_shadow_type ghost = PROBE_TYPE(42, "flooding_type", 32);
	unsigned long logged;
	int i;

	for (i = 0; i < 10000; i++)
		klpx_shadow_get(OBJ(1), &ghost);
	logged = shim_log_count(LOGLEVEL_ERR, "flooding_type");
	EXPECT_TRUE(logged >= 1);
	/* a burst per interval, not one line per call */
	EXPECT_LE(logged, 100);
}

/* ------------------------------------------------------------------ */
/* 5. get: lockless, any context, constant time                        */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_get_does_not_wait_for_the_id_lock)
{
	struct klpx_shadow_type a = { .id = 50, .name = "gated", .size = 16 };
	pthread_t t;
	void *p1, *created;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p1 = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p1);
	a.ctor = probe_gate_ctor;
	probe_gate_close(OBJ(100));

	ASSERT_EQ(shim_thread_create(&t, probe_gate_alloc_fn, &a), 0);
	KT_WAIT_FOR(__atomic_load_n(&probe_gate.inside, __ATOMIC_SEQ_CST));
	/* the id's lock is held by the ctor: these must not need it */
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p1);
	EXPECT_NULL(klpx_shadow_get(OBJ(100), &a));	/* not visible yet */
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	__atomic_store_n(&probe_gate.release, true, __ATOMIC_SEQ_CST);
	pthread_join(t, &created);

	EXPECT_NOT_NULL(created);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(100), &a), created);
	klpx_shadow_unregister(&a);
}

struct registry_probe {
	struct klpx_shadow_type *type;
	void *expect;
	bool found;
};

static void get_under_registry_lock(const struct klpx_shadow_stat *st,
				    void *arg)
{
	struct registry_probe *q = arg;

	/* the registry is locked while this runs */
	if (st->id == q->type->id)
		q->found = klpx_shadow_get(OBJ(1), q->type) == q->expect;
}

KLPX_TEST(shadow_get_does_not_wait_for_the_registry_lock)
{
	struct klpx_shadow_type a = { .id = 51, .name = "registry", .size = 16 };
	struct registry_probe q = { .type = &a };

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	q.expect = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(q.expect);
	klpx_shadow_walk_classes(get_under_registry_lock, &q);
	EXPECT_TRUE(q.found);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_get_works_in_atomic_context)
{
	struct klpx_shadow_type a = { .id = 52, .name = "atomic", .size = 16 };
	unsigned long attempts, flags;
	DEFINE_SPINLOCK(caller_lock);
	void *p;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p);
	attempts = shim_alloc_attempts();

	spin_lock_irqsave(&caller_lock, flags);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	EXPECT_NULL(klpx_shadow_get(OBJ(2), &a));
	spin_unlock_irqrestore(&caller_lock, flags);

	rcu_read_lock();
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	rcu_read_unlock();

	/* a lookup never allocates; the harness fails sleeping in atomic context */
	EXPECT_EQ(shim_alloc_attempts(), attempts);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_get_tables_grow_with_the_variables)
{
	struct klpx_shadow_type a = { .id = 53, .name = "many", .size = 8 };
	unsigned long n = 1UL << 15, i;
	unsigned int bits;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < n; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	shim_workqueue_drain();

	/* every variable is found once the tables settle... */
	for (i = 0; i < n; i++)
		if (!klpx_shadow_get(OBJ(i), &a))
			ASSERT_NOT_NULL(klpx_shadow_get(OBJ(i), &a));
	/* ...in a table with at most 2 variables per chain on average */
	shim_hash_last_bits = 0;
	klpx_shadow_get(OBJ(n / 2), &a);
	bits = shim_hash_last_bits;
	kt_info("%lu variables, lookups hash into 2^%u chains", n, bits);
	EXPECT_TRUE(bits > 0 && n <= 2UL << bits);
	klpx_shadow_unregister(&a);
}

/* ------------------------------------------------------------------ */
/* 6. alloc                                                            */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_alloc_creates_zeroed_constructed_variable)
{
	struct klpx_shadow_type a = PROBE_TYPE(60, "made", 100);
	int ctor_data;
	struct probe_data *p;

	probe.size = 100;
	probe.ctor_type = &a;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(3), &a, GFP_KERNEL, &ctor_data);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_PTR_EQ(probe.last_obj, OBJ(3));
	EXPECT_PTR_EQ(probe.last_data, p);
	EXPECT_PTR_EQ(probe.last_ctor_data, &ctor_data);
	EXPECT_FALSE(probe.ctor_dirty);
	/* the ctor ran before anyone could find the variable */
	EXPECT_FALSE(probe.ctor_saw_visible);
	EXPECT_EQ(p->magic, PROBE_LIVE);
	/* the whole size is ours (ASan checks the bounds) */
	memset(p + 1, 0x5a, 100 - sizeof(*p));
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(3), &a), p);
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], 1);
	EXPECT_PTR_EQ(probe.last_dtor_data, p);
	EXPECT_PTR_EQ(probe.last_dtor_obj, OBJ(3));
}

KLPX_TEST(shadow_alloc_without_ctor_gives_zeroed_data)
{
	struct klpx_shadow_type a = { .id = 61, .name = "plain", .size = 256 };
	unsigned char *p;
	int i, nonzero = 0;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_ATOMIC, NULL);
	ASSERT_NOT_NULL(p);
	for (i = 0; i < 256; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(nonzero, 0);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_of_existing_variable_warns_and_fails)
{
	struct klpx_shadow_type a = PROBE_TYPE(62, "dup", 32);
	struct probe_data *p;
	long live;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p);
	live = shim_alloc_live_total();

	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_WARNS(1);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_ATOMIC, NULL));
	shim_warn_take();

	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	EXPECT_EQ(p->magic, PROBE_LIVE);
	EXPECT_EQ(shim_alloc_live_total(), live);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_of_existing_variable_warns_even_without_memory)
{
	struct klpx_shadow_type a = PROBE_TYPE(66, "dup_nomem", 32);
	struct shim_fail_policy all = { .every = 1 };
	struct probe_data *p;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_NOT_NULL(p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));

	/* the caller's bug is reported whether the spare could be had or not */
	shim_fail_set(&all);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_ATOMIC, NULL));
	EXPECT_WARNS(1);
	shim_fail_clear();
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_ATOMIC, NULL));
	EXPECT_WARNS(1);
	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_failing_ctor_is_logged_once_per_failure)
{
	struct klpx_shadow_type a = PROBE_TYPE(67, "ctor_logs", 32);

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	shim_log_clear();
	probe.ctor_ret = -EIO;
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "ctor_logs"), 1);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "error -5"), 1);
	EXPECT_NULL(klpx_shadow_get_or_alloc(OBJ(2), &a, GFP_ATOMIC, NULL));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "ctor_logs"), 2);
	probe.ctor_ret = 0;
	EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "ctor_logs"), 2);
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_with_failing_ctor_adds_nothing)
{
	struct klpx_shadow_type a = PROBE_TYPE(63, "refused", 32);
	long live;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	live = shim_alloc_live_total();
	probe.ctor_ret = -EIO;
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_NULL(klpx_shadow_get_or_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_EQ(probe.ctor_calls, 2);
	EXPECT_EQ(klpx_shadow_count(&a), 0);
	EXPECT_NULL(klpx_shadow_get(OBJ(1), &a));
	EXPECT_EQ(shim_alloc_live_total(), live);

	probe.ctor_ret = 0;
	EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], 1);
}

KLPX_TEST(shadow_alloc_of_size_zero_gives_a_variable)
{
	struct klpx_shadow_type a = { .id = 64, .name = "flag", .size = 0 };
	void *p;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	EXPECT_NOT_NULL(p);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	klpx_shadow_free(OBJ(1), &a);
	EXPECT_NULL(klpx_shadow_get(OBJ(1), &a));
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_on_null_object_hands_global_state_over)
{
	struct klpx_shadow_type v1 = PROBE_TYPE(65, "global_lock", 32);
	struct klpx_shadow_type v2 = PROBE_TYPE(65, "global_lock", 32);
	struct probe_data *p;

	probe.size = 32;
	/* patch version 1 creates the state */
	ASSERT_EQ(klpx_shadow_register(&v1), 0);
	p = klpx_shadow_alloc(NULL, &v1, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p);
	EXPECT_PTR_EQ(p->obj, NULL);
	/* version 2 registers before version 1 goes: the state survives */
	ASSERT_EQ(klpx_shadow_register(&v2), 0);
	klpx_shadow_unregister(&v1);
	EXPECT_PTR_EQ(klpx_shadow_get(NULL, &v2), p);
	EXPECT_PTR_EQ(klpx_shadow_get_or_alloc(NULL, &v2, GFP_KERNEL, NULL), p);
	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_EQ(p->magic, PROBE_LIVE);
	klpx_shadow_unregister(&v2);
	EXPECT_EQ(probe.dtor_calls[0], 1);
}

/* ------------------------------------------------------------------ */
/* 7. get_or_alloc                                                     */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_get_or_alloc_returns_existing_without_ctor)
{
	struct klpx_shadow_type a = PROBE_TYPE(70, "existing", 32);
	int ctor_data;
	void *p;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_get_or_alloc(OBJ(1), &a, GFP_KERNEL, &ctor_data);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_PTR_EQ(probe.last_ctor_data, &ctor_data);
	EXPECT_FALSE(probe.ctor_dirty);
	EXPECT_PTR_EQ(klpx_shadow_get_or_alloc(OBJ(1), &a, GFP_KERNEL, NULL), p);
	EXPECT_PTR_EQ(klpx_shadow_get_or_alloc(OBJ(1), &a, GFP_ATOMIC, NULL), p);
	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
}

#define RACERS 4

struct race {
	struct klpx_shadow_type *type;
	pthread_barrier_t start;
	void *obj;
	void *got[RACERS];
	unsigned long ctor_calls;
	int rounds;
};

static int race_ctor(void *obj, void *data, void *ctor_data)
{
	struct race *r = ctor_data;

	__atomic_fetch_add(&r->ctor_calls, 1, __ATOMIC_SEQ_CST);
	*(void **)data = obj;
	return 0;
}

struct racer {
	struct race *race;
	int index;
};

static void *racer_fn(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->race;
	int i;

	for (i = 0; i < r->rounds; i++) {
		pthread_barrier_wait(&r->start);
		me->race->got[me->index] =
			klpx_shadow_get_or_alloc(OBJ(i), r->type,
						 me->index & 1 ? GFP_ATOMIC : GFP_KERNEL,
						 r);
		pthread_barrier_wait(&r->start);
		/* the main thread checks this round */
		pthread_barrier_wait(&r->start);
	}
	return NULL;
}

KLPX_TEST(shadow_get_or_alloc_racers_share_one_variable_and_one_ctor)
{
	struct klpx_shadow_type a = { .id = 71, .name = "raced", .size = 8,
				      .ctor = race_ctor };
	struct racer racers[RACERS];
	pthread_t threads[RACERS];
	struct race r = { .type = &a };
	int i, round;

	r.rounds = (int)kt_scaled(300);
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	pthread_barrier_init(&r.start, NULL, RACERS + 1);
	for (i = 0; i < RACERS; i++) {
		racers[i].race = &r;
		racers[i].index = i;
		ASSERT_EQ(shim_thread_create(&threads[i], racer_fn, &racers[i]), 0);
	}
	for (round = 0; round < r.rounds; round++) {
		pthread_barrier_wait(&r.start);
		pthread_barrier_wait(&r.start);
		for (i = 0; i < RACERS; i++) {
			EXPECT_NOT_NULL(r.got[i]);
			EXPECT_PTR_EQ(r.got[i], r.got[0]);
		}
		EXPECT_EQ(__atomic_load_n(&r.ctor_calls, __ATOMIC_SEQ_CST),
			  round + 1);
		pthread_barrier_wait(&r.start);
	}
	for (i = 0; i < RACERS; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&r.start);
	EXPECT_EQ(klpx_shadow_count(&a), r.rounds);
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
}

/* ------------------------------------------------------------------ */
/* 8. ctor context and the caller's gfp                                */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_ctor_runs_in_atomic_context)
{
	struct klpx_shadow_type a = PROBE_TYPE(80, "atomic_ctor", 32);

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	ASSERT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(2), &a, GFP_KERNEL, NULL));
	EXPECT_EQ(probe.ctor_calls, 2);
	EXPECT_FALSE(probe.ctor_not_atomic);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_sleeps_only_outside_the_id_lock)
{
	struct klpx_shadow_type a = PROBE_TYPE(81, "gfp_kernel", 32);

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	/*
	 * The harness reports a sleeping allocation made in atomic context:
	 * with GFP_KERNEL, allocating under the id's lock would show.
	 */
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	ASSERT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(2), &a, GFP_KERNEL, NULL));
	EXPECT_EQ(shim_splat_pending(), 0);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_uses_the_callers_gfp)
{
	struct klpx_shadow_type a = PROBE_TYPE(82, "gfp_atomic", 32);
	struct shim_fail_policy atomic_fails = { .every = 1, .atomic_only = true };
	DEFINE_SPINLOCK(caller_lock);
	unsigned long flags;
	void *p;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);

	/* GFP_ATOMIC from atomic context works */
	spin_lock_irqsave(&caller_lock, flags);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_ATOMIC, NULL);
	EXPECT_NOT_NULL(p);
	EXPECT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(2), &a, GFP_ATOMIC, NULL));
	spin_unlock_irqrestore(&caller_lock, flags);

	/* only non-sleeping allocations fail: the gfp given is the one used */
	shim_fail_set(&atomic_fails);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(3), &a, GFP_ATOMIC, NULL));
	EXPECT_NULL(klpx_shadow_get_or_alloc(OBJ(4), &a, GFP_NOWAIT, NULL));
	EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(5), &a, GFP_KERNEL, NULL));
	EXPECT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(6), &a, GFP_KERNEL, NULL));
	EXPECT_TRUE(shim_fail_injected() >= 2);
	shim_fail_clear();
	EXPECT_EQ(klpx_shadow_count(&a), 4);
	klpx_shadow_unregister(&a);
}
