// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for klpx shadow variables under concurrency: registrations
 * coming and going while kthreads allocate, and racing get_or_alloc()
 * callers in process and hardirq context.  What garbage collection and
 * frees wait for is grace_kunit.c's.  Every case is bounded by a number
 * of rounds and a deadline; the checks are on outcomes (ctor and dtor
 * counts, which variable came back), never on timing.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/klpx.h>
#include <linux/kthread.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/timer.h>

#include "shadow/shadow.h"
#include "fixture.h"

#define OBJS		128
#define ROUNDS		200
#define DEADLINE	(3 * HZ)

static char objs[OBJS];

static void find_id(const struct klpx_shadow_stat *st, void *arg)
{
	unsigned long *id = arg;

	if (st->id == *id)
		*id = 0;
}

/* Whether @id is registered, as the debugfs view would say. */
static bool id_registered(unsigned long id)
{
	unsigned long probe = id;

	klpx_shadow_walk_classes(find_id, &probe);
	return probe == 0;
}

/*
 * One kthread of the registration race: register its own struct of the
 * shared id, build or find a variable for every obj, check that all of
 * them stay while the registration is held, unregister.  Round after round.
 */
struct churner {
	struct klpx_kunit_fx *fx;
	int index;			/* its struct: fx->types[index] */
	unsigned long deadline;
	struct completion done;
	int rounds;
	int register_errors;
	int null;			/* get_or_alloc() failed */
	int wrong;			/* a variable of another obj */
	int lost;			/* gone while registered */
};

static int churner_fn(void *arg)
{
	struct churner *c = arg;
	struct klpx_shadow_type *type = &c->fx->types[c->index];
	struct klpx_kunit_rec *rec[OBJS];
	int n;

	for (; c->rounds < ROUNDS && time_before(jiffies, c->deadline);
	     c->rounds++) {
		if (klpx_shadow_register(type)) {
			c->register_errors++;
			break;
		}
		for (n = 0; n < OBJS; n++) {
			/* Walk the objs from both ends, one thread each. */
			int i = c->index ? OBJS - 1 - n : n;

			rec[i] = klpx_shadow_get_or_alloc(&objs[i], type,
							  GFP_KERNEL, c->fx);
			if (!rec[i])
				c->null++;
			else if (rec[i]->obj != &objs[i])
				c->wrong++;
			if (n % 16 == 0)
				cond_resched();
		}
		for (n = 0; n < OBJS; n++)
			if (rec[n] && klpx_shadow_get(&objs[n], type) != rec[n])
				c->lost++;
		klpx_shadow_unregister(type);
		cond_resched();
	}
	complete(&c->done);
	return 0;
}

static void klpx_shadow_race_register_and_unregister_race_get_or_alloc(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();
	unsigned long deadline = jiffies + DEADLINE;
	struct churner *c;
	int t;

	c = kunit_kcalloc(test, 2, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	for (t = 0; t < 2; t++) {
		struct task_struct *task;

		klpx_kunit_type(fx, t, id, t);
		c[t] = (struct churner) {
			.fx = fx, .index = t, .deadline = deadline,
		};
		init_completion(&c[t].done);
		task = kthread_create(churner_fn, &c[t], "klpx_churn/%d", t);
		if (IS_ERR(task)) {
			/* Let the one started finish before failing. */
			if (t)
				wait_for_completion(&c[0].done);
			KUNIT_ASSERT_FALSE(test, IS_ERR(task));
		}
		if (num_online_cpus() > 1)
			kthread_bind(task, t % num_online_cpus());
		wake_up_process(task);
	}
	for (t = 0; t < 2; t++)
		wait_for_completion(&c[t].done);

	kunit_info(test, "rounds %d and %d, %d variables built\n",
		   c[0].rounds, c[1].rounds, atomic_read(&fx->ctor_calls));
	for (t = 0; t < 2; t++) {
		KUNIT_EXPECT_GT(test, c[t].rounds, 0);
		KUNIT_EXPECT_EQ(test, c[t].register_errors, 0);
		KUNIT_EXPECT_EQ(test, c[t].null, 0);
		KUNIT_EXPECT_EQ(test, c[t].wrong, 0);
		KUNIT_EXPECT_EQ(test, c[t].lost, 0);
	}
	/* Every variable built was destroyed once, by one of the dtors. */
	KUNIT_EXPECT_GT(test, atomic_read(&fx->ctor_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls),
			atomic_read(&fx->dtor_calls[0]) +
			atomic_read(&fx->dtor_calls[1]));
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->bad_dtor), 0);
	KUNIT_EXPECT_FALSE(test, id_registered(id));
}

/*
 * A hard hrtimer (a soft one on PREEMPT_RT, see KLPX_KUNIT_HRTIMER_CHANGES)
 * and the test thread get_or_alloc() the same objs, round
 * after round; whoever comes second for an obj must get the first one's
 * variable, and the ctor runs once per obj and round.
 */
struct racer {
	struct klpx_kunit_fx *fx;
	struct klpx_shadow_type *type;
	struct hrtimer timer;
	struct completion done;
	struct klpx_kunit_rec *got[OBJS];
	bool thread_busy;	/* the thread is inside its loop */
	bool overlapped;	/* the timer fired while it was */
};

static enum hrtimer_restart racer_fn(struct hrtimer *t)
{
	struct racer *r = container_of(t, struct racer, timer);
	int n;

	r->overlapped = READ_ONCE(r->thread_busy);
	for (n = 0; n < OBJS; n++)
		r->got[n] = klpx_shadow_get_or_alloc(&objs[n], r->type,
						     GFP_ATOMIC, r->fx);
	complete(&r->done);
	return HRTIMER_NORESTART;
}

static void klpx_shadow_race_racing_get_or_alloc_builds_each_variable_once(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long deadline = jiffies + DEADLINE;
	struct klpx_kunit_rec *mine[OBJS];
	int round, n, overlaps = 0, mismatches = 0, bad_rounds = 0;
	s64 loop_ns = 0;
	struct racer *r;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->fx = fx;
	r->type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	hrtimer_init(&r->timer, CLOCK_MONOTONIC, KLPX_KUNIT_HRTIMER_CHANGES);
	r->timer.function = racer_fn;

	for (round = 0; round < ROUNDS && time_before(jiffies, deadline);
	     round++) {
		int built = atomic_read(&fx->ctor_calls);
		ktime_t start = ktime_get();

		init_completion(&r->done);
		WRITE_ONCE(r->thread_busy, true);
		/*
		 * Spread the timer over the span the loop took last time, so
		 * it lands early, midway and late in different rounds.
		 */
		hrtimer_start(&r->timer,
			      ns_to_ktime(loop_ns * (round % 32) / 32),
			      KLPX_KUNIT_HRTIMER_CHANGES);
		for (n = OBJS - 1; n >= 0; n--)
			mine[n] = klpx_shadow_get_or_alloc(&objs[n], r->type,
							   GFP_KERNEL, fx);
		loop_ns = ktime_to_ns(ktime_sub(ktime_get(), start));
		WRITE_ONCE(r->thread_busy, false);
		wait_for_completion(&r->done);

		overlaps += r->overlapped;
		for (n = 0; n < OBJS; n++)
			if (!mine[n] || mine[n] != r->got[n] ||
			    mine[n]->obj != &objs[n])
				mismatches++;
		if (atomic_read(&fx->ctor_calls) - built != OBJS)
			bad_rounds++;
		klpx_shadow_free_all(r->type);
	}
	hrtimer_cancel(&r->timer);

	kunit_info(test, "%d rounds, the timer fired mid-loop in %d\n",
		   round, overlaps);
	KUNIT_EXPECT_GT(test, round, 0);
	KUNIT_EXPECT_EQ(test, mismatches, 0);
	KUNIT_EXPECT_EQ(test, bad_rounds, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]),
			atomic_read(&fx->ctor_calls));
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->bad_dtor), 0);
}

static struct kunit_case klpx_shadow_race_cases[] = {
	KUNIT_CASE(klpx_shadow_race_register_and_unregister_race_get_or_alloc),
	KUNIT_CASE(klpx_shadow_race_racing_get_or_alloc_builds_each_variable_once),
	{}
};

static struct kunit_suite klpx_shadow_race_suite = {
	.name = "klpx_shadow_race",
	.init = klpx_kunit_init,
	.exit = klpx_kunit_exit,
	.test_cases = klpx_shadow_race_cases,
};

kunit_test_suite(klpx_shadow_race_suite);

MODULE_LICENSE("GPL");
