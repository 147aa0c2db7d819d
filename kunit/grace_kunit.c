// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for what the frees of klpx shadow variables wait for:
 * garbage collection of an id while softirq readers hold its variables
 * and while an allocation is in flight inside it, and a free from an
 * interrupt while a reader holds the variable.  Every case is bounded by
 * a number of rounds and a deadline; the checks are on outcomes (ctor and
 * dtor counts, what a reader still reads, KASAN), never on timing.
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

static void klpx_shadow_grace_gc_waits_for_softirq_readers(struct kunit *test)
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
 * of each creation fails: the one made inside the creation's read side
 * (preemption off, or rcu_read_lock() on PREEMPT_RT) without direct
 * reclaim, the only kind failslab fails by default.  The creation
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

static void klpx_shadow_grace_gc_waits_for_an_allocation_in_flight(struct kunit *test)
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

static void klpx_shadow_grace_free_in_irq_waits_for_rcu_readers(struct kunit *test)
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

static struct kunit_case klpx_shadow_grace_cases[] = {
	KUNIT_CASE(klpx_shadow_grace_gc_waits_for_softirq_readers),
	KUNIT_CASE(klpx_shadow_grace_gc_waits_for_an_allocation_in_flight),
	KUNIT_CASE(klpx_shadow_grace_free_in_irq_waits_for_rcu_readers),
	{}
};

static struct kunit_suite klpx_shadow_grace_suite = {
	.name = "klpx_shadow_grace",
	.init = klpx_kunit_init,
	.exit = klpx_kunit_exit,
	.test_cases = klpx_shadow_grace_cases,
};

kunit_test_suite(klpx_shadow_grace_suite);

MODULE_LICENSE("GPL");
