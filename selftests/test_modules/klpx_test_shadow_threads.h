/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klpx_test_shadow_threads.h - the commands of the shadow test modules
 * that run kthreads: "race", several threads creating the same variables
 * at once, and "readers", threads looking variables up until stopped.
 * Part of the body in klpx_test_shadow.h.
 */
#ifndef _KLPX_TEST_SHADOW_THREADS_H
#define _KLPX_TEST_SHADOW_THREADS_H

#include "klpx_test_shadow_base.h"

struct klpx_test_race {
	struct completion start;
	atomic_t ready;
	unsigned long a, b;
	void **seen[KLPX_TEST_MAX_THREADS];
	struct completion done[KLPX_TEST_MAX_THREADS];
};

struct klpx_test_racer {
	struct klpx_test_race *race;
	unsigned int nr;
};

static int klpx_test_racer_fn(void *data)
{
	struct klpx_test_racer *racer = data;
	struct klpx_test_race *race = racer->race;
	struct klpx_test_ctor_arg arg = {};
	unsigned long nr;

	atomic_inc(&race->ready);
	wait_for_completion(&race->start);
	for (nr = race->a; nr < race->b; nr++) {
		arg.value = nr;
		race->seen[racer->nr][nr - race->a] =
			klpx_shadow_get_or_alloc(klpx_test_obj(nr),
						 &klpx_test_type, GFP_KERNEL,
						 &arg);
	}
	complete(&race->done[racer->nr]);
	return 0;
}

/* race A B T: T threads get_or_alloc objA..objB-1 at the same time. */
static int __klpx_test_race(unsigned long a, unsigned long b, unsigned long t)
{
	struct klpx_test_racer racers[KLPX_TEST_MAX_THREADS];
	struct klpx_test_race *race;
	struct task_struct *task;
	unsigned long nr, i, started = 0, mismatches = 0, missing = 0;
	long ctors;
	int ret = 0;

	if (t < 2 || t > KLPX_TEST_MAX_THREADS || b <= a || a < KLPX_TEST_NAMED)
		return -EINVAL;
	race = kzalloc(sizeof(*race), GFP_KERNEL);
	if (!race)
		return -ENOMEM;
	init_completion(&race->start);
	race->a = a;
	race->b = b;
	for (i = 0; i < t; i++) {
		race->seen[i] = kvcalloc(b - a, sizeof(void *), GFP_KERNEL);
		if (!race->seen[i]) {
			ret = -ENOMEM;
			goto out;
		}
		init_completion(&race->done[i]);
	}

	ctors = atomic_long_read(&klpx_test_ctor_calls);
	for (i = 0; i < t; i++) {
		racers[i].race = race;
		racers[i].nr = i;
		task = kthread_run(klpx_test_racer_fn, &racers[i],
				   "klpx_test_race/%lu", i);
		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			break;
		}
		started++;
	}
	/* Let every thread that started go at once, even after an error. */
	while (atomic_read(&race->ready) < started)
		cond_resched();
	complete_all(&race->start);
	for (i = 0; i < started; i++)
		wait_for_completion(&race->done[i]);
	if (ret)
		goto out;

	ctors = atomic_long_read(&klpx_test_ctor_calls) - ctors;
	for (nr = 0; nr < b - a; nr++) {
		if (!race->seen[0][nr])
			missing++;
		for (i = 1; i < t; i++)
			if (race->seen[i][nr] != race->seen[0][nr])
				mismatches++;
	}
	pr_info("race obj%lu..obj%lu, %lu threads: ctor calls=%ld, NULL=%lu, different variables=%lu, count=%zu\n",
		a, b - 1, t, ctors, missing, mismatches,
		klpx_shadow_count(&klpx_test_type));
out:
	for (i = 0; i < t; i++)
		kvfree(race->seen[i]);
	kfree(race);
	return ret;
}

/* The readers started by "readers", until "readers_stop". */
static struct task_struct *klpx_test_readers[KLPX_TEST_MAX_THREADS];
static unsigned long klpx_test_readers_a, klpx_test_readers_b;
static atomic_long_t klpx_test_hits, klpx_test_misses, klpx_test_wrong;

/*
 * A reader holds rcu_read_lock() across the lookup and the use of the
 * data: klpx frees a variable only after a grace period, so whatever it
 * finds must still hold its own number, even while the id is collected.
 */
static int klpx_test_reader_fn(void *unused)
{
	struct klpx_test_var *var;
	unsigned long nr;

	while (!kthread_should_stop()) {
		for (nr = klpx_test_readers_a; nr < klpx_test_readers_b; nr++) {
			rcu_read_lock();
			var = klpx_shadow_get(klpx_test_obj(nr), &klpx_test_type);
			if (!var)
				atomic_long_inc(&klpx_test_misses);
			else if (READ_ONCE(var->value) != nr ||
				 READ_ONCE(var->obj_nr) != nr)
				atomic_long_inc(&klpx_test_wrong);
			else
				atomic_long_inc(&klpx_test_hits);
			rcu_read_unlock();
		}
		cond_resched();
	}
	return 0;
}

static void __klpx_test_readers_stop(void)
{
	unsigned int i;

	for (i = 0; i < KLPX_TEST_MAX_THREADS; i++) {
		if (klpx_test_readers[i])
			kthread_stop(klpx_test_readers[i]);
		klpx_test_readers[i] = NULL;
	}
}

/* readers A B T: start T readers of objA..objB-1. */
static int __klpx_test_readers_start(unsigned long a, unsigned long b,
				     unsigned long t)
{
	struct task_struct *task;
	unsigned long i;

	if (!klpx_test_sized || t < 1 || t > KLPX_TEST_MAX_THREADS ||
	    b <= a || klpx_test_readers[0])
		return -EINVAL;
	klpx_test_readers_a = a;
	klpx_test_readers_b = b;
	atomic_long_set(&klpx_test_hits, 0);
	atomic_long_set(&klpx_test_misses, 0);
	atomic_long_set(&klpx_test_wrong, 0);
	for (i = 0; i < t; i++) {
		task = kthread_run(klpx_test_reader_fn, NULL,
				   "klpx_test_reader/%lu", i);
		if (IS_ERR(task)) {
			__klpx_test_readers_stop();
			return PTR_ERR(task);
		}
		klpx_test_readers[i] = task;
	}
	pr_info("readers of obj%lu..obj%lu: %lu started\n", a, b - 1, t);
	return 0;
}

#endif /* _KLPX_TEST_SHADOW_THREADS_H */
