// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded multi-threaded stress of the shadow library.
 *
 * Workers get, alloc, get_or_alloc, free and free_all variables of one id
 * on random objects while a registrar registers and unregisters two types
 * of that id in a loop, so garbage collection races with everything.  The
 * ctor gives every variable a serial number; at the end every variable
 * that was created must have been destroyed exactly once, no object may
 * ever have had two live variables, and no memory may be left.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/klpx.h>
#include <linux/rcupdate.h>
#include <shim.h>

#include "harness.h"
#include "shadow.h"

#define STRESS_OBJS	256
#define STRESS_WORKERS	3
#define CTOR_FAIL	((void *)1)

struct stress_data {
	unsigned long magic;
	void *obj;
	unsigned long serial;
};

static struct {
	struct klpx_shadow_type a, b;
	char objs[STRESS_OBJS];
	unsigned long ops;		/* per worker */
	unsigned long progress;		/* ops done, all workers */
	unsigned long finished;		/* workers done */
	/* per worker: the registration change it used up its budget in */
	unsigned long spent[STRESS_WORKERS];
	bool done[STRESS_WORKERS];
	unsigned long max_serial;
	unsigned long next_serial;
	unsigned char *created;		/* by serial: the ctor kept it */
	unsigned char *destroyed;	/* by serial: dtor calls */
	int live[STRESS_OBJS];		/* live variables per object */
	unsigned long two_live;		/* an object had two live variables */
	unsigned long bad_dtor;		/* dtor got data it did not expect */
	unsigned long bad_get;		/* a lookup found a stranger's data */
	unsigned long ctor_not_atomic;
	unsigned long ctor_calls, ctor_fails;
	unsigned long found, cycles, gcs;
} S;

/* ops a worker may do per registration change: keeps everyone in step */
#define STRESS_BUDGET	100

#define STRESS_MAGIC_LIVE	0x5757575757575757UL
#define STRESS_MAGIC_DEAD	0xdeaddeaddeaddeadUL

static void stress_bump(unsigned long *v)
{
	__atomic_fetch_add(v, 1, __ATOMIC_RELAXED);
}

static int stress_obj_index(void *obj)
{
	return (int)((char *)obj - S.objs);
}

static int stress_ctor(void *obj, void *data, void *ctor_data)
{
	struct stress_data *d = data;
	unsigned long serial;

	stress_bump(&S.ctor_calls);
	if (!shim_in_atomic())
		stress_bump(&S.ctor_not_atomic);
	if (ctor_data == CTOR_FAIL) {
		stress_bump(&S.ctor_fails);
		return -EAGAIN;
	}
	serial = __atomic_fetch_add(&S.next_serial, 1, __ATOMIC_RELAXED);
	if (serial >= S.max_serial)
		return -ENOSPC;
	if (__atomic_fetch_add(&S.live[stress_obj_index(obj)], 1,
			       __ATOMIC_SEQ_CST) != 0)
		stress_bump(&S.two_live);
	d->obj = obj;
	d->serial = serial;
	__atomic_store_n(&d->magic, STRESS_MAGIC_LIVE, __ATOMIC_RELAXED);
	__atomic_store_n(&S.created[serial], 1, __ATOMIC_RELAXED);
	return 0;
}

static void stress_dtor(void *obj, void *data)
{
	struct stress_data *d = data;

	if (__atomic_load_n(&d->magic, __ATOMIC_RELAXED) != STRESS_MAGIC_LIVE ||
	    d->obj != obj || d->serial >= S.max_serial) {
		stress_bump(&S.bad_dtor);
		return;
	}
	__atomic_fetch_add(&S.destroyed[d->serial], 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&S.live[stress_obj_index(obj)], 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&d->magic, STRESS_MAGIC_DEAD, __ATOMIC_RELAXED);
}

/* a variable found under RCU: live or just destroyed, and ours */
static void stress_check(struct stress_data *d, void *obj)
{
	unsigned long m;

	if (!d)
		return;
	stress_bump(&S.found);
	m = __atomic_load_n(&d->magic, __ATOMIC_RELAXED);
	if ((m != STRESS_MAGIC_LIVE && m != STRESS_MAGIC_DEAD) || d->obj != obj)
		stress_bump(&S.bad_get);
}

static void *stress_worker(void *arg)
{
	unsigned long i, seen = 0, used = 0;
	int me = (int)(uintptr_t)arg;
	struct kt_rng rng;

	kt_rng_init(&rng, (uintptr_t)arg);
	for (i = 0; i < S.ops; i++) {
		if (used++ == STRESS_BUDGET) {
			__atomic_store_n(&S.spent[me], seen, __ATOMIC_SEQ_CST);
			KT_WAIT_FOR(__atomic_load_n(&S.cycles, __ATOMIC_SEQ_CST) != seen);
			seen = __atomic_load_n(&S.cycles, __ATOMIC_SEQ_CST);
			used = 0;
		}
		unsigned int op = (unsigned int)kt_rand_below(&rng, 100);
		void *obj = &S.objs[kt_rand_below(&rng, STRESS_OBJS)];
		struct klpx_shadow_type *t = kt_rand(&rng) & 1 ? &S.a : &S.b;
		void *cd = kt_rand_below(&rng, 16) ? NULL : CTOR_FAIL;

		if (op < 40) {
			rcu_read_lock();
			stress_check(klpx_shadow_get(obj, t), obj);
			rcu_read_unlock();
		} else if (op < 52) {
			klpx_shadow_alloc(obj, t, GFP_KERNEL, cd);
		} else if (op < 60) {
			rcu_read_lock();
			stress_check(klpx_shadow_alloc(obj, t, GFP_ATOMIC, cd), obj);
			rcu_read_unlock();
		} else if (op < 70) {
			klpx_shadow_get_or_alloc(obj, t, GFP_KERNEL, cd);
		} else if (op < 80) {
			rcu_read_lock();
			stress_check(klpx_shadow_get_or_alloc(obj, t, GFP_ATOMIC, cd),
				     obj);
			rcu_read_unlock();
		} else if (op < 93) {
			klpx_shadow_free(obj, t);
		} else if (op < 95) {
			klpx_shadow_free_all(t);
		} else {
			if (klpx_shadow_count(t) > STRESS_OBJS)
				stress_bump(&S.bad_get);
		}
		stress_bump(&S.progress);
	}
	__atomic_store_n(&S.done[me], true, __ATOMIC_SEQ_CST);
	stress_bump(&S.finished);
	return NULL;
}

/* every worker is done, or has used up its budget since change @cycle */
static bool stress_all_spent(unsigned long cycle)
{
	int i;

	for (i = 0; i < STRESS_WORKERS; i++)
		if (!__atomic_load_n(&S.done[i], __ATOMIC_SEQ_CST) &&
		    __atomic_load_n(&S.spent[i], __ATOMIC_SEQ_CST) != cycle)
			return false;
	return true;
}

static void *stress_registrar(void *arg)
{
	bool a_on = false, b_on = false;
	struct kt_rng rng;

	kt_rng_init(&rng, 1000);
	while (__atomic_load_n(&S.finished, __ATOMIC_SEQ_CST) < STRESS_WORKERS) {
		unsigned long until, cycle;
		bool *on = kt_rand(&rng) & 1 ? &a_on : &b_on;
		struct klpx_shadow_type *t = on == &a_on ? &S.a : &S.b;

		if (*on) {
			klpx_shadow_unregister(t);
			if (!a_on + !b_on == 1)
				stress_bump(&S.gcs);
		} else if (klpx_shadow_register(t)) {
			kt_fail(__FILE__, __LINE__, "registration failed");
			break;
		}
		*on = !*on;
		/* let the workers get some work done in this state */
		until = __atomic_load_n(&S.progress, __ATOMIC_SEQ_CST) + 1 +
			kt_rand_below(&rng, 2 * STRESS_BUDGET);
		cycle = __atomic_add_fetch(&S.cycles, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&S.progress, __ATOMIC_SEQ_CST) < until &&
		       !stress_all_spent(cycle))
			sched_yield();
	}
	if (a_on)
		klpx_shadow_unregister(&S.a);
	if (b_on)
		klpx_shadow_unregister(&S.b);
	return NULL;
}

KLPX_TEST(shadow_stress_ops_race_registration_and_gc)
{
	pthread_t workers[STRESS_WORKERS], registrar;
	unsigned long s, wrong = 0, leaked = 0, made = 0;
	long base = shim_alloc_live_total();
	int i;

	S.a = (struct klpx_shadow_type){ .id = 300, .name = "stress",
		.size = sizeof(struct stress_data), .ctor = stress_ctor,
		.dtor = stress_dtor };
	S.b = S.a;
	S.ops = kt_scaled(300000);
	S.max_serial = S.ops * STRESS_WORKERS + 1;
	S.created = calloc(S.max_serial, 1);
	S.destroyed = calloc(S.max_serial, 1);
	ASSERT_TRUE(S.created && S.destroyed);

	ASSERT_EQ(shim_thread_create(&registrar, stress_registrar, NULL), 0);
	for (i = 0; i < STRESS_WORKERS; i++)
		ASSERT_EQ(shim_thread_create(&workers[i], stress_worker,
					     (void *)(uintptr_t)i), 0);
	for (i = 0; i < STRESS_WORKERS; i++)
		pthread_join(workers[i], NULL);
	pthread_join(registrar, NULL);
	rcu_barrier();

	for (s = 0; s < S.next_serial && s < S.max_serial; s++) {
		made += S.created[s];
		if (S.destroyed[s] != S.created[s])
			wrong++;
	}
	for (i = 0; i < STRESS_OBJS; i++)
		leaked += S.live[i] != 0;
	kt_info("%lu ops, %lu registration changes, %lu collections, %lu variables made, %lu found, %lu ctor refusals",
		S.ops * STRESS_WORKERS, S.cycles, S.gcs, made, S.found,
		S.ctor_fails);

	EXPECT_EQ(wrong, 0);		/* dtor exactly once per variable */
	EXPECT_EQ(S.two_live, 0);	/* ctor once per <obj, id> */
	EXPECT_EQ(leaked, 0);
	EXPECT_EQ(S.bad_dtor, 0);
	EXPECT_EQ(S.bad_get, 0);
	EXPECT_EQ(S.ctor_not_atomic, 0);
	EXPECT_TRUE(S.next_serial < S.max_serial);
	EXPECT_TRUE(S.gcs > 0);
	EXPECT_TRUE(made > 0);
	EXPECT_EQ(shim_alloc_live_total(), base);
	/* duplicate allocs WARN by contract; nothing else may */
	shim_warn_take();
	free(S.created);
	free(S.destroyed);
}

/* lookups of variables that stay must never miss, however the store moves */

static struct {
	struct klpx_shadow_type t;
	char objs[1 << 15];
	void *kept[512];
	bool stop;
	unsigned long steps;		/* allocs and frees done by the writer */
	unsigned long lookups, misses, wrong;
} R;

#define KEPT_BASE	(1 << 14)
/*
 * Lookups a reader makes per allocation or free of the writer, at most: a
 * reader ahead of the writer yields.  So the test's work is a fixed number
 * of operations, and spinning readers never take the writer's CPU on a
 * busy machine (which once made it last as long as the load allowed).
 */
#define READS_PER_STEP	2

static void *resize_reader(void *arg)
{
	struct kt_rng rng;
	unsigned long n = 0, misses = 0, wrong = 0;

	kt_rng_init(&rng, (uintptr_t)arg);
	while (!__atomic_load_n(&R.stop, __ATOMIC_SEQ_CST)) {
		unsigned int k;
		void *p;

		if (n >= READS_PER_STEP *
			 __atomic_load_n(&R.steps, __ATOMIC_RELAXED)) {
			sched_yield();
			continue;
		}
		k = (unsigned int)kt_rand_below(&rng, 512);
		p = klpx_shadow_get(&R.objs[KEPT_BASE + k], &R.t);
		misses += !p;
		wrong += p && p != R.kept[k];
		n++;
	}
	__atomic_fetch_add(&R.lookups, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&R.misses, misses, __ATOMIC_RELAXED);
	__atomic_fetch_add(&R.wrong, wrong, __ATOMIC_RELAXED);
	return NULL;
}

KLPX_TEST(shadow_stress_lookups_never_miss_while_tables_resize)
{
	unsigned long cycles = kt_scaled(8), c, i, n = 1 << 14, works;
	pthread_t readers[2];
	int k;

	R.t = (struct klpx_shadow_type){ .id = 301, .name = "moving", .size = 8 };
	ASSERT_EQ(klpx_shadow_register(&R.t), 0);
	for (k = 0; k < 512; k++) {
		R.kept[k] = klpx_shadow_alloc(&R.objs[KEPT_BASE + k], &R.t,
					      GFP_KERNEL, NULL);
		ASSERT_NOT_NULL(R.kept[k]);
	}
	works = shim_work_executed();
	for (k = 0; k < 2; k++)
		ASSERT_EQ(shim_thread_create(&readers[k], resize_reader,
					     (void *)(uintptr_t)k), 0);
	/* grow to 16k and back, again and again, while the readers look */
	for (c = 0; c < cycles; c++) {
		for (i = 0; i < n; i++) {
			ASSERT_NOT_NULL(klpx_shadow_alloc(&R.objs[i], &R.t,
							  GFP_KERNEL, NULL));
			__atomic_fetch_add(&R.steps, 1, __ATOMIC_RELAXED);
		}
		for (i = 0; i < n; i++) {
			klpx_shadow_free(&R.objs[i], &R.t);
			__atomic_fetch_add(&R.steps, 1, __ATOMIC_RELAXED);
		}
	}
	shim_workqueue_drain();
	__atomic_store_n(&R.stop, true, __ATOMIC_SEQ_CST);
	for (k = 0; k < 2; k++)
		pthread_join(readers[k], NULL);

	kt_info("%lu lookups during %lu grow/shrink cycles (%lu resize runs)",
		R.lookups, cycles, shim_work_executed() - works);
	EXPECT_TRUE(shim_work_executed() > works);
	EXPECT_TRUE(R.lookups <= 2 * READS_PER_STEP * R.steps);
	EXPECT_EQ(R.misses, 0);
	EXPECT_EQ(R.wrong, 0);
	EXPECT_EQ(klpx_shadow_count(&R.t), 512);
	klpx_shadow_unregister(&R.t);
}
