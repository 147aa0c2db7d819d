// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow types as states (API.md section 2, items 12 to 14): setup on the
 * first registration of an id, release once after the last one and after
 * every variable of the id is gone, and versions that may be kept or
 * raised but never lowered.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/klpx.h>
#include <linux/printk.h>
#include <shim.h>

#include "harness.h"
#include "shadow.h"

static char objs[64];

#define OBJ(i)	((void *)&objs[i])

/**
 * struct state_probe - what the state callbacks of one case saw
 * @setups:	setup calls
 * @releases:	release calls
 * @setup_type: the type the last setup was given
 * @release_type: the type the last release was given
 * @setup_ret:	what setup returns
 * @setup_alloc: setup creates a variable of its own id on NULL
 * @not_process: a callback ran where it may not sleep, or inside RCU
 * @dtors:	dtor calls
 * @dtors_at_release: @dtors when release ran
 * @slab_at_release: slab objects alive when release ran
 */
static struct state_probe {
	unsigned long setups;
	unsigned long releases;
	struct klpx_shadow_type *setup_type;
	struct klpx_shadow_type *release_type;
	int setup_ret;
	bool setup_alloc;
	unsigned long not_process;
	unsigned long dtors;
	unsigned long dtors_at_release;
	long slab_at_release;
} sp;

static void state_check_context(void)
{
	struct shim_task *t = shim_current();

	if (shim_in_atomic() || t->rcu_depth || t->srcu_depth ||
	    t->hardirq || t->softirq)
		sp.not_process++;
	/* Sleeping is allowed: this splats (fails the case) if not. */
	might_sleep();
}

struct refs_query {
	unsigned long id;
	unsigned long refs;
	unsigned int version;
};

static void refs_of(const struct klpx_shadow_stat *st, void *arg)
{
	struct refs_query *q = arg;

	if (st->id == q->id) {
		q->refs = st->refs;
		q->version = st->version;
	}
}

static struct refs_query state_query(unsigned long id)
{
	struct refs_query q = { .id = id };

	klpx_shadow_walk_classes(refs_of, &q);
	return q;
}

static int state_setup(struct klpx_shadow_type *type)
{
	state_check_context();
	sp.setups++;
	sp.setup_type = type;
	/* The id is registered already: its variables can be made. */
	if (sp.setup_alloc &&
	    !klpx_shadow_alloc(NULL, type, GFP_KERNEL, NULL))
		return -ENOMEM;
	return sp.setup_ret;
}

static void state_release(struct klpx_shadow_type *type)
{
	state_check_context();
	sp.releases++;
	sp.release_type = type;
	sp.dtors_at_release = sp.dtors;
	sp.slab_at_release = shim_alloc_live(SHIM_SLAB);
}

static void state_dtor(void *obj, void *data)
{
	sp.dtors++;
}

#define STATE_TYPE(_id, _name, _size, _version) {			\
	.id = (_id), .name = (_name), .size = (_size),			\
	.dtor = state_dtor, .setup = state_setup,			\
	.release = state_release, .version = (_version),		\
}

/* ------------------------------------------------------------------ */
/* 12. setup                                                           */
/* ------------------------------------------------------------------ */

KLPX_TEST(state_setup_runs_once_on_the_first_registration_only)
{
	struct klpx_shadow_type a = STATE_TYPE(300, "state", 0, 0);
	struct klpx_shadow_type b = STATE_TYPE(300, "state", 0, 0);

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	EXPECT_EQ(sp.setups, 1);
	EXPECT_PTR_EQ(sp.setup_type, &a);
	/* A second registration (a replace carrying the id) sets nothing up. */
	ASSERT_EQ(klpx_shadow_register(&b), 0);
	EXPECT_EQ(sp.setups, 1);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(sp.releases, 0);
	klpx_shadow_unregister(&b);
	EXPECT_EQ(sp.releases, 1);
	EXPECT_EQ(sp.not_process, 0);
}

KLPX_TEST(state_setup_sees_its_id_registered)
{
	struct klpx_shadow_type a = STATE_TYPE(301, "global", 16, 0);

	sp.setup_alloc = true;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	EXPECT_NOT_NULL(klpx_shadow_get(NULL, &a));
	klpx_shadow_unregister(&a);
	EXPECT_EQ(sp.dtors, 1);
	EXPECT_EQ(sp.releases, 1);
}

KLPX_TEST(state_failing_setup_leaves_nothing)
{
	struct klpx_shadow_type a = STATE_TYPE(302, "broken", 16, 3);
	struct klpx_shadow_type b = STATE_TYPE(302, "broken", 16, 1);
	long slab = shim_alloc_live(SHIM_SLAB);
	long total = shim_alloc_live_total();

	sp.setup_ret = -EIO;
	sp.setup_alloc = true;
	EXPECT_EQ(klpx_shadow_register(&a), -EIO);
	EXPECT_EQ(sp.setups, 1);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "setup failed"), 1);
	/* What setup made is destroyed with the dtor; no release. */
	EXPECT_EQ(sp.dtors, 1);
	EXPECT_EQ(sp.releases, 0);
	EXPECT_EQ(state_query(302).refs, 0);
	EXPECT_EQ(klpx_shadow_count(&a), 0);
	EXPECT_EQ(shim_alloc_live(SHIM_SLAB), slab);
	EXPECT_EQ(shim_alloc_live_total(), total);
	/* Not even its version stays: a lower one may come. */
	sp.setup_ret = 0;
	ASSERT_EQ(klpx_shadow_register(&b), 0);
	EXPECT_EQ(sp.setups, 2);
	EXPECT_PTR_EQ(sp.setup_type, &b);
	EXPECT_EQ(state_query(302).version, 1);
	/* The struct that failed may register again. */
	klpx_shadow_unregister(&b);
	EXPECT_EQ(sp.releases, 1);
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	EXPECT_EQ(sp.setups, 3);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(sp.releases, 2);
	EXPECT_EQ(sp.not_process, 0);
}

KLPX_TEST(state_failing_setup_under_memory_failures_leaves_nothing)
{
	struct shim_fail_policy fail = { .every = 1, .kinds = 1u << SHIM_SLAB };
	struct klpx_shadow_type a = STATE_TYPE(303, "starved", 16, 0);

	/*
	 * setup's own allocation fails, the sleeping retry too: setup
	 * reports it, nothing stays.
	 */
	sp.setup_alloc = true;
	shim_fail_set(&fail);
	EXPECT_EQ(klpx_shadow_register(&a), -ENOMEM);
	shim_fail_clear();
	EXPECT_EQ(sp.setups, 1);
	EXPECT_EQ(sp.releases, 0);
	EXPECT_EQ(sp.dtors, 0);
	EXPECT_EQ(state_query(303).refs, 0);
}

/* ------------------------------------------------------------------ */
/* 13. release                                                         */
/* ------------------------------------------------------------------ */

KLPX_TEST(state_release_runs_after_every_variable_is_gone)
{
	struct klpx_shadow_type a = STATE_TYPE(310, "vars", 24, 0);
	int i;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < 32; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL,
						  NULL));
	klpx_shadow_free(OBJ(0), &a);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(sp.releases, 1);
	EXPECT_PTR_EQ(sp.release_type, &a);
	/* Every dtor ran, every variable's memory was freed. */
	EXPECT_EQ(sp.dtors_at_release, 32);
	EXPECT_EQ(sp.slab_at_release, 0);
	EXPECT_EQ(state_query(310).refs, 0);
	EXPECT_EQ(sp.not_process, 0);
}

static unsigned long other_releases;

static void other_release(struct klpx_shadow_type *type)
{
	other_releases++;
}

KLPX_TEST(state_release_is_the_last_unregistered_types)
{
	struct klpx_shadow_type a = STATE_TYPE(311, "owner", 0, 0);
	struct klpx_shadow_type b = STATE_TYPE(311, "owner", 0, 0);
	struct klpx_shadow_type no_release = { .id = 311, .name = "owner" };

	b.release = other_release;
	/* Registered first, unregistered last: a's release. */
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_EQ(klpx_shadow_register(&b), 0);
	klpx_shadow_unregister(&b);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(sp.releases, 1);
	EXPECT_EQ(other_releases, 0);

	/* The other way round: b's. */
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_EQ(klpx_shadow_register(&b), 0);
	klpx_shadow_unregister(&a);
	klpx_shadow_unregister(&b);
	EXPECT_EQ(sp.releases, 1);
	EXPECT_EQ(other_releases, 1);

	/* A last type without release: nothing runs, setup or no setup. */
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_EQ(klpx_shadow_register(&no_release), 0);
	klpx_shadow_unregister(&a);
	klpx_shadow_unregister(&no_release);
	EXPECT_EQ(sp.releases, 1);
	EXPECT_EQ(other_releases, 1);
	EXPECT_EQ(sp.setups, 3);
}

KLPX_TEST(state_ids_dropped_together_each_release_after_one_wait)
{
	struct klpx_shadow_type one = STATE_TYPE(312, "alone", 8, 0);
	struct klpx_shadow_type a = STATE_TYPE(313, "batch_a", 8, 0);
	struct klpx_shadow_type b = STATE_TYPE(314, "batch_b", 0, 0);
	struct klpx_shadow_type *types[] = { &a, &b };
	unsigned long gp, single, batch;

	ASSERT_EQ(klpx_shadow_register(&one), 0);
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_EQ(klpx_shadow_register(&b), 0);
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &one, GFP_KERNEL, NULL));
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(2), &a, GFP_KERNEL, NULL));

	gp = shim_rcu_gp_completed();
	klpx_shadow_unregister(&one);
	single = shim_rcu_gp_completed() - gp;
	EXPECT_EQ(sp.releases, 1);

	gp = shim_rcu_gp_completed();
	klpx_shadow_unregister_many(types, 2);
	batch = shim_rcu_gp_completed() - gp;
	EXPECT_LE(batch, single);
	EXPECT_EQ(sp.releases, 3);
	EXPECT_PTR_EQ(sp.release_type, &b);
	EXPECT_EQ(sp.dtors_at_release, 2);
	EXPECT_EQ(sp.slab_at_release, 0);
}

KLPX_TEST(state_exit_runs_no_release)
{
	struct klpx_shadow_type a = STATE_TYPE(315, "orphan", 0, 0);

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	/* Its owner is gone at klpx's exit: nothing of it may be called. */
	klpx_shadow_exit();
	EXPECT_EQ(sp.releases, 0);
	EXPECT_EQ(state_query(315).refs, 0);
}

/* ------------------------------------------------------------------ */
/* 12 and 13 under concurrent registrations                            */
/* ------------------------------------------------------------------ */

#define RACE_THREADS	4

static struct {
	struct klpx_shadow_type types[RACE_THREADS];
	int in_unregister[RACE_THREADS];
	int set_up;			/* setups less releases */
	unsigned long setups, releases;
	unsigned long double_setup;	/* setup while set up */
	unsigned long stray_release;	/* release while not set up */
	unsigned long wrong_release;	/* release of a type not unregistering */
	unsigned long not_process;
	unsigned long created, destroyed;
	unsigned long undestroyed;	/* release before every dtor ran */
	unsigned long failures;
	unsigned long rounds;
} R;

static int race_type_index(struct klpx_shadow_type *type)
{
	return (int)(type - R.types);
}

static int race_setup(struct klpx_shadow_type *type)
{
	if (shim_in_atomic())
		__atomic_fetch_add(&R.not_process, 1, __ATOMIC_RELAXED);
	if (__atomic_fetch_add(&R.set_up, 1, __ATOMIC_SEQ_CST) != 0)
		__atomic_fetch_add(&R.double_setup, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&R.setups, 1, __ATOMIC_RELAXED);
	return 0;
}

static void race_release(struct klpx_shadow_type *type)
{
	int i = race_type_index(type);

	if (shim_in_atomic())
		__atomic_fetch_add(&R.not_process, 1, __ATOMIC_RELAXED);
	if (i < 0 || i >= RACE_THREADS ||
	    !__atomic_load_n(&R.in_unregister[i], __ATOMIC_SEQ_CST))
		__atomic_fetch_add(&R.wrong_release, 1, __ATOMIC_RELAXED);
	if (__atomic_fetch_sub(&R.set_up, 1, __ATOMIC_SEQ_CST) != 1)
		__atomic_fetch_add(&R.stray_release, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&R.created, __ATOMIC_SEQ_CST) !=
	    __atomic_load_n(&R.destroyed, __ATOMIC_SEQ_CST))
		__atomic_fetch_add(&R.undestroyed, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&R.releases, 1, __ATOMIC_RELAXED);
}

static int race_ctor(void *obj, void *data, void *ctor_data)
{
	__atomic_fetch_add(&R.created, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void race_dtor(void *obj, void *data)
{
	__atomic_fetch_add(&R.destroyed, 1, __ATOMIC_SEQ_CST);
}

static void *race_fn(void *arg)
{
	int i = (int)(long)arg;
	struct klpx_shadow_type *t = &R.types[i];
	unsigned long n, rounds = R.rounds;
	struct kt_rng rng;

	kt_rng_init(&rng, i);
	for (n = 0; n < rounds; n++) {
		if (klpx_shadow_register(t)) {
			__atomic_fetch_add(&R.failures, 1, __ATOMIC_RELAXED);
			continue;
		}
		/* Variables of the id, on this thread's objects. */
		klpx_shadow_get_or_alloc(OBJ(i * 8 + kt_rand_below(&rng, 8)), t,
					 GFP_KERNEL, NULL);
		if (kt_rand_below(&rng, 2))
			sched_yield();
		__atomic_store_n(&R.in_unregister[i], 1, __ATOMIC_SEQ_CST);
		klpx_shadow_unregister(t);
		__atomic_store_n(&R.in_unregister[i], 0, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

KLPX_TEST(state_setup_and_release_pair_up_under_concurrent_registrations)
{
	pthread_t threads[RACE_THREADS];
	int i;

	R.rounds = kt_scaled(400);
	for (i = 0; i < RACE_THREADS; i++) {
		R.types[i] = (struct klpx_shadow_type) {
			.id = 320, .name = "raced", .size = 8,
			.ctor = race_ctor, .dtor = race_dtor,
			.setup = race_setup, .release = race_release,
		};
	}
	for (i = 0; i < RACE_THREADS; i++)
		ASSERT_EQ(shim_thread_create(&threads[i], race_fn,
					     (void *)(long)i), 0);
	for (i = 0; i < RACE_THREADS; i++)
		pthread_join(threads[i], NULL);

	kt_info("%lu setups, %lu releases, %lu variables over %lu rounds",
		R.setups, R.releases, R.created, R.rounds * RACE_THREADS);
	EXPECT_EQ(R.failures, 0);
	/* Every setup has exactly one release, never two at once. */
	EXPECT_TRUE(R.setups > 0);
	EXPECT_EQ(R.setups, R.releases);
	EXPECT_EQ(R.set_up, 0);
	EXPECT_EQ(R.double_setup, 0);
	EXPECT_EQ(R.stray_release, 0);
	EXPECT_EQ(R.wrong_release, 0);
	EXPECT_EQ(R.undestroyed, 0);
	EXPECT_EQ(R.not_process, 0);
	EXPECT_EQ(R.created, R.destroyed);
	EXPECT_EQ(state_query(320).refs, 0);
}

/* ------------------------------------------------------------------ */
/* 14. version                                                         */
/* ------------------------------------------------------------------ */

KLPX_TEST(state_version_may_be_kept_or_raised_never_lowered)
{
	struct klpx_shadow_type v1 = STATE_TYPE(330, "versioned", 8, 1);
	struct klpx_shadow_type v2 = STATE_TYPE(330, "versioned", 8, 2);
	struct klpx_shadow_type v2b = STATE_TYPE(330, "versioned", 8, 2);
	struct klpx_shadow_type v1b = STATE_TYPE(330, "versioned", 8, 1);
	struct klpx_shadow_type v0 = STATE_TYPE(330, "versioned", 8, 0);

	ASSERT_EQ(klpx_shadow_register(&v1), 0);
	EXPECT_EQ(state_query(330).version, 1);
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &v1, GFP_KERNEL, NULL));

	/* Raised: no setup, the id's version follows. */
	ASSERT_EQ(klpx_shadow_register(&v2), 0);
	EXPECT_EQ(state_query(330).version, 2);
	EXPECT_EQ(sp.setups, 1);
	/* Kept. */
	ASSERT_EQ(klpx_shadow_register(&v2b), 0);
	EXPECT_EQ(state_query(330).refs, 3);

	/* Lowered: refused, one line with both versions, nothing changed. */
	EXPECT_EQ(klpx_shadow_register(&v1b), -EINVAL);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "version 1 cannot join registered version 2"), 1);
	EXPECT_EQ(klpx_shadow_register(&v0), -EINVAL);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "version 0 cannot join registered version 2"), 1);
	EXPECT_EQ(state_query(330).refs, 3);
	EXPECT_EQ(state_query(330).version, 2);
	EXPECT_EQ(klpx_shadow_count(&v1), 1);
	EXPECT_EQ(sp.setups, 1);
	EXPECT_EQ(sp.releases, 0);
	EXPECT_EQ(sp.dtors, 0);

	/* The refused structs were never registered. */
	klpx_shadow_unregister(&v1);
	EXPECT_EQ(state_query(330).version, 2);
	klpx_shadow_unregister(&v2);
	klpx_shadow_unregister(&v2b);
	EXPECT_EQ(sp.releases, 1);
	EXPECT_EQ(sp.dtors, 1);
	EXPECT_EQ(state_query(330).refs, 0);
}

KLPX_TEST(state_version_is_the_highest_held_registration)
{
	struct klpx_shadow_type v1 = STATE_TYPE(331, "highest", 0, 1);
	struct klpx_shadow_type v3 = STATE_TYPE(331, "highest", 0, 3);
	struct klpx_shadow_type v1b = STATE_TYPE(331, "highest", 0, 1);

	ASSERT_EQ(klpx_shadow_register(&v1), 0);
	ASSERT_EQ(klpx_shadow_register(&v3), 0);
	EXPECT_EQ(state_query(331).version, 3);
	/* The higher one goes (a patch disabled): the id is back at 1. */
	klpx_shadow_unregister(&v3);
	EXPECT_EQ(state_query(331).version, 1);
	ASSERT_EQ(klpx_shadow_register(&v1b), 0);
	klpx_shadow_unregister(&v1);
	klpx_shadow_unregister(&v1b);
	EXPECT_EQ(sp.setups, 1);
	EXPECT_EQ(sp.releases, 1);

	/* A new life of the id starts from the version of its first. */
	ASSERT_EQ(klpx_shadow_register(&v1), 0);
	EXPECT_EQ(state_query(331).version, 1);
	klpx_shadow_unregister(&v1);
}

KLPX_TEST(state_version_unset_reads_zero)
{
	struct klpx_shadow_type plain = { .id = 332, .name = "plain", .size = 8 };

	ASSERT_EQ(klpx_shadow_register(&plain), 0);
	EXPECT_EQ(state_query(332).version, 0);
	klpx_shadow_unregister(&plain);
}
