// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for klpx shadow variables under concurrency: registrations
 * coming and going while kthreads allocate, racing get_or_alloc() callers
 * in process and hardirq context, and garbage collection while softirq
 * readers hold variables.  Every case is bounded by a number of rounds and
 * a deadline; the checks are on outcomes (ctor and dtor counts, which
 * variable came back), never on timing.
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

/*
 * Softirq readers (pinned soft hrtimers) keep looking variables up, and
 * reading them, while process context registers the id, fills it and drops
 * the registration (garbage collection) over and over.  A reader must only
 * ever see a variable built for its obj, and GC must not free one under it.
 *
 * A softirq handler is an RCU reader: every variable a run found stays
 * valid until the run ends.  So each run holds what it found across
 * HOLD_PASSES more reads of all of it, which keeps readers inside their
 * section for a while.  With more than one CPU the GC runs pinned to one
 * CPU and the readers run on all the others, so a GC that did not wait
 * for them would free variables a reader is still reading (KASAN reports
 * it).  On a uniprocessor the one reader shares the GC's CPU.
 */
#define HOLD_PASSES	16
#define READER_PERIOD_NS	(200 * NSEC_PER_USEC)

struct gc_reader {
	struct klpx_shadow_type *type;
	struct hrtimer timer;
	struct completion done;
	bool armed;
	bool stop;
	int runs;
	int seen;
	int wrong;
	struct klpx_kunit_rec *held[OBJS];
};

static enum hrtimer_restart gc_reader_fn(struct hrtimer *t)
{
	struct gc_reader *g = container_of(t, struct gc_reader, timer);
	int n, pass;

	for (n = 0; n < OBJS; n++) {
		g->held[n] = klpx_shadow_get(&objs[n], g->type);
		if (!g->held[n])
			continue;
		g->seen++;
		if (READ_ONCE(g->held[n]->obj) != &objs[n])
			g->wrong++;
	}
	for (pass = 0; pass < HOLD_PASSES; pass++)
		for (n = 0; n < OBJS; n++)
			if (g->held[n] && READ_ONCE(g->held[n]->obj) != &objs[n])
				g->wrong++;
	g->runs++;
	if (READ_ONCE(g->stop)) {
		complete(&g->done);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(t, ns_to_ktime(READER_PERIOD_NS));
	return HRTIMER_RESTART;
}

/* On the reader's CPU (an IPI): a pinned timer stays on the CPU it is armed on. */
static void gc_reader_arm(void *arg)
{
	struct gc_reader *g = arg;

	hrtimer_start(&g->timer, ns_to_ktime(READER_PERIOD_NS),
		      HRTIMER_MODE_REL_PINNED_SOFT);
}

static void klpx_shadow_race_gc_waits_for_softirq_readers(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long deadline;
	struct klpx_shadow_type *type;
	struct gc_reader *readers, *g;
	int round, n, cpu, gc_cpu, built = 0, registered = 0, nreaders = 0;
	int runs = 0, seen = 0, wrong = 0;
	cpumask_var_t saved;

	KUNIT_ASSERT_TRUE(test, alloc_cpumask_var(&saved, GFP_KERNEL));
	readers = kunit_kcalloc(test, nr_cpu_ids, sizeof(*readers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, readers);
	type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);

	/* The GC on one CPU, the readers on every other one. */
	cpumask_copy(saved, current->cpus_ptr);
	gc_cpu = cpumask_first(cpu_online_mask);
	set_cpus_allowed_ptr(current, cpumask_of(gc_cpu));
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		if (cpu == gc_cpu && num_online_cpus() > 1)
			continue;
		g = &readers[cpu];
		g->type = type;
		init_completion(&g->done);
		hrtimer_init(&g->timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_PINNED_SOFT);
		g->timer.function = gc_reader_fn;
		smp_call_function_single(cpu, gc_reader_arm, g, 1);
		g->armed = true;
		nreaders++;
	}
	cpus_read_unlock();

	deadline = jiffies + DEADLINE;
	for (round = 0; round < ROUNDS / 4 && time_before(jiffies, deadline);
	     round++) {
		if (klpx_kunit_register(fx, 0))
			break;
		registered++;
		for (n = 0; n < OBJS; n++)
			built += !!klpx_shadow_alloc(&objs[n], type,
						     GFP_KERNEL, fx);
		cond_resched();
		klpx_kunit_unregister(fx, 0);
	}
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		g = &readers[cpu];
		if (!g->armed)
			continue;
		WRITE_ONCE(g->stop, true);
		wait_for_completion(&g->done);
		hrtimer_cancel(&g->timer);
		runs += g->runs;
		seen += g->seen;
		wrong += g->wrong;
	}
	set_cpus_allowed_ptr(current, saved);
	free_cpumask_var(saved);

	kunit_info(test, "%d rounds on CPU %d, %d readers ran %d times and saw %d variables\n",
		   round, gc_cpu, nreaders, runs, seen);
	KUNIT_EXPECT_GT(test, round, 0);
	KUNIT_EXPECT_EQ(test, registered, round);
	KUNIT_EXPECT_EQ(test, built, round * OBJS);
	KUNIT_EXPECT_EQ(test, wrong, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), built);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->bad_dtor), 0);
}

/*
 * An allocation that found the id and then is preempted (or sleeps) in
 * the allocator holds the id alive, under RCU (or SRCU, when a first
 * allocation failed and it sleeps): GC of the id waits for it, and the
 * allocation then adds nothing.  Needs two CPUs: an allocating kthread
 * on one, freeing what it made at once, round after round; the test on
 * another.  Each round a SCHED_FIFO kthread on the allocator's CPU
 * preempts it wherever it is, and the test drops the last registration
 * while it is off the CPU.  The preempter yields when the GC is done, or
 * after a bound: a GC that waits for the allocation cannot finish before.
 * A GC that did not wait would free the id while the allocation is
 * inside it, which KASAN reports when the allocation resumes.
 */
#define INFLIGHT_ROUNDS	24
#define PREEMPT_BOUND	(HZ / 2)

struct inflight {
	struct klpx_kunit_fx *fx;
	struct klpx_shadow_type *type;
	struct completion alloc_done;
	struct completion preempt_done;
	struct completion preempting;
	struct task_struct *preempter;
	bool stop;
	bool gc_done;
	int go;			/* rounds the preempter was asked for */
	atomic_t made;		/* variables the allocator made (and freed) */
	int wrong;		/* made ones that were not the obj's */
};

/*
 * With CONFIG_FAILSLAB (the x86_64 configurations), the first allocation
 * of each creation fails: the one made under rcu_read_lock() without
 * direct reclaim, the only kind failslab fails by default.  The creation
 * then takes its sleeping way under klpx_shadow_srcu, which is what the
 * GC must wait for.  Elsewhere creations mostly stay under RCU.
 */
static void inflight_fail_first_allocation(bool fail)
{
#ifdef CONFIG_FAILSLAB
	current->fail_nth = fail ? 1 : 0;
#endif
}

static int inflight_alloc_fn(void *arg)
{
	struct inflight *f = arg;
	struct klpx_kunit_rec *rec;
	int n = 0;

	while (!READ_ONCE(f->stop)) {
		inflight_fail_first_allocation(true);
		rec = klpx_shadow_alloc(&objs[n], f->type, GFP_KERNEL, f->fx);
		inflight_fail_first_allocation(false);
		if (rec) {
			atomic_inc(&f->made);
			/*
			 * The test may drop the registration at any time, and
			 * GC then destroys the variable: look at it only under
			 * RCU, which GC waits for.
			 */
			rcu_read_lock();
			rec = klpx_shadow_get(&objs[n], f->type);
			if (rec && READ_ONCE(rec->obj) != &objs[n])
				f->wrong++;
			rcu_read_unlock();
			klpx_shadow_free(&objs[n], f->type);
		}
		n = (n + 1) % OBJS;
		cond_resched();
	}
	complete(&f->alloc_done);
	return 0;
}

static int inflight_preempt_fn(void *arg)
{
	struct inflight *f = arg;
	int done = 0;
	unsigned long until;

	sched_set_fifo(current);
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (READ_ONCE(f->stop)) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		if (READ_ONCE(f->go) == done) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		done++;
		complete(&f->preempting);
		/* Hold the CPU until the GC is done, within a bound. */
		until = jiffies + PREEMPT_BOUND;
		while (!READ_ONCE(f->gc_done) && time_before(jiffies, until))
			cpu_relax();
	}
	complete(&f->preempt_done);
	return 0;
}

static void klpx_shadow_race_gc_waits_for_an_allocation_in_flight(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct task_struct *alloc, *pre;
	unsigned long deadline;
	struct inflight *f;
	int round, cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->fx = fx;
	f->type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	init_completion(&f->alloc_done);
	init_completion(&f->preempt_done);
	init_completion(&f->preempting);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);

	/* The allocator and its preempter share a CPU the test is not on. */
	cpu = cpumask_last(cpu_online_mask);
	set_cpus_allowed_ptr(current, cpumask_of(cpumask_first(cpu_online_mask)));
	alloc = kthread_create(inflight_alloc_fn, f, "klpx_inflight");
	KUNIT_ASSERT_FALSE(test, IS_ERR(alloc));
	pre = kthread_create(inflight_preempt_fn, f, "klpx_preempt");
	if (IS_ERR(pre)) {
		WRITE_ONCE(f->stop, true);
		wake_up_process(alloc);
		wait_for_completion(&f->alloc_done);
		KUNIT_ASSERT_FALSE(test, IS_ERR(pre));
	}
	kthread_bind(alloc, cpu);
	kthread_bind(pre, cpu);
	f->preempter = pre;
	wake_up_process(pre);
	wake_up_process(alloc);

	deadline = jiffies + 4 * DEADLINE;
	for (round = 0; round < INFLIGHT_ROUNDS && time_before(jiffies, deadline);
	     round++) {
		/* Let the allocator get going on a fresh registration. */
		while (!atomic_read(&f->made) && time_before(jiffies, deadline))
			cond_resched();
		WRITE_ONCE(f->gc_done, false);
		reinit_completion(&f->preempting);
		WRITE_ONCE(f->go, round + 1);
		wake_up_process(pre);
		wait_for_completion(&f->preempting);
		/* The allocator is off its CPU, maybe inside an allocation. */
		klpx_kunit_unregister(fx, 0);
		WRITE_ONCE(f->gc_done, true);
		atomic_set(&f->made, 0);
		if (klpx_kunit_register(fx, 0))
			break;
	}
	WRITE_ONCE(f->stop, true);
	wake_up_process(pre);
	wait_for_completion(&f->preempt_done);
	wait_for_completion(&f->alloc_done);
	klpx_kunit_unregister(fx, 0);
	set_cpus_allowed_ptr(current, cpu_possible_mask);

	kunit_info(test, "%d rounds against an allocator on CPU %d\n", round, cpu);
	KUNIT_EXPECT_GT(test, round, 0);
	KUNIT_EXPECT_EQ(test, f->wrong, 0);
	/* Every variable made was freed or collected, each once. */
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]),
			atomic_read(&fx->ctor_calls));
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->bad_dtor), 0);
}

/*
 * A reader inside rcu_read_lock() holds a variable while an interrupt
 * frees it: the memory must stay valid until the reader leaves its
 * read-side section.  (On a uniprocessor without preemption an interrupt
 * is the only thing that can run inside a reader's section.)
 */
struct irq_freer {
	struct klpx_shadow_type *type;
	struct hrtimer timer;
	bool all;		/* free_all() rather than free() */
	bool done;
};

static enum hrtimer_restart irq_freer_fn(struct hrtimer *t)
{
	struct irq_freer *f = container_of(t, struct irq_freer, timer);

	if (f->all)
		klpx_shadow_free_all(f->type);
	else
		klpx_shadow_free(&objs[0], f->type);
	/* Pairs with the acquire in held_across_free(): the free is done. */
	smp_store_release(&f->done, true);
	return HRTIMER_NORESTART;
}

/* Hold @obj's variable under RCU while the timer frees it; true if intact. */
static bool held_across_free(struct irq_freer *f, int *dtors_seen,
			     struct klpx_kunit_fx *fx)
{
	struct klpx_kunit_rec *rec;
	bool intact = false;

	f->done = false;
	rcu_read_lock();
	rec = klpx_shadow_get(&objs[0], f->type);
	if (rec) {
		hrtimer_start(&f->timer, ns_to_ktime(10 * NSEC_PER_USEC),
			      KLPX_KUNIT_HRTIMER_CHANGES);
		/* Not a sleep: waits for the interrupt, which must come. */
		while (!smp_load_acquire(&f->done))
			cpu_relax();
		*dtors_seen = atomic_read(&fx->dtor_calls[0]);
		intact = READ_ONCE(rec->obj) == &objs[0] && rec->fx == fx;
	}
	rcu_read_unlock();
	hrtimer_cancel(&f->timer);
	return intact;
}

static void klpx_shadow_race_free_in_irq_waits_for_rcu_readers(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct irq_freer *f;
	int dtors = 0;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	hrtimer_init(&f->timer, CLOCK_MONOTONIC, KLPX_KUNIT_HRTIMER_CHANGES);
	f->timer.function = irq_freer_fn;

	KUNIT_ASSERT_NOT_NULL(test, klpx_shadow_alloc(&objs[0], f->type,
						      GFP_KERNEL, fx));
	KUNIT_EXPECT_TRUE(test, held_across_free(f, &dtors, fx));
	KUNIT_EXPECT_EQ(test, dtors, 1);
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[0], f->type));

	f->all = true;
	KUNIT_ASSERT_NOT_NULL(test, klpx_shadow_alloc(&objs[0], f->type,
						      GFP_KERNEL, fx));
	KUNIT_EXPECT_TRUE(test, held_across_free(f, &dtors, fx));
	KUNIT_EXPECT_EQ(test, dtors, 2);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(f->type), 0);
}

static struct kunit_case klpx_shadow_race_cases[] = {
	KUNIT_CASE(klpx_shadow_race_register_and_unregister_race_get_or_alloc),
	KUNIT_CASE(klpx_shadow_race_racing_get_or_alloc_builds_each_variable_once),
	KUNIT_CASE(klpx_shadow_race_gc_waits_for_softirq_readers),
	KUNIT_CASE(klpx_shadow_race_gc_waits_for_an_allocation_in_flight),
	KUNIT_CASE(klpx_shadow_race_free_in_irq_waits_for_rcu_readers),
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
