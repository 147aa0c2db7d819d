// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for calling klpx shadow variables from the contexts patched
 * code runs in: with IRQs off under a spinlock, in softirq (timers) and in
 * hardirq (hard hrtimers), and lockless get() in softirq while process
 * context frees the variables it looks at.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/klpx.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

#include "fixture.h"

#define OBJS		64
#define READER_RUNS	20

static char objs[OBJS];

/* Stands for a lock of the patched code, held around klpx calls. */
static DEFINE_SPINLOCK(caller_lock);

/* A registered counting type in @fx->types[@i] with a fresh id. */
static struct klpx_shadow_type *registered(struct kunit *test, int i)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type;

	type = klpx_kunit_type(fx, i, klpx_kunit_new_id(), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, i), 0);
	return type;
}

static void klpx_shadow_context_atomic_alloc_works_with_irqs_off(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0);
	struct klpx_kunit_rec *made[OBJS], *found[OBJS], *again[OBJS];
	unsigned long flags;
	bool irqs_were_off;
	int n;

	spin_lock_irqsave(&caller_lock, flags);
	irqs_were_off = irqs_disabled();
	for (n = 0; n < OBJS; n++) {
		if (n % 2)
			made[n] = klpx_shadow_alloc(&objs[n], type, GFP_ATOMIC, fx);
		else
			made[n] = klpx_shadow_get_or_alloc(&objs[n], type,
							   GFP_ATOMIC, fx);
		found[n] = klpx_shadow_get(&objs[n], type);
		again[n] = klpx_shadow_get_or_alloc(&objs[n], type,
						    GFP_ATOMIC, fx);
	}
	klpx_shadow_free(&objs[0], type);
	spin_unlock_irqrestore(&caller_lock, flags);

	/* PREEMPT_RT's spin_lock_irqsave() leaves IRQs on. */
	KUNIT_EXPECT_EQ(test, irqs_were_off, !IS_ENABLED(CONFIG_PREEMPT_RT));
	for (n = 0; n < OBJS; n++) {
		KUNIT_ASSERT_NOT_NULL(test, made[n]);
		KUNIT_EXPECT_PTR_EQ(test, found[n], made[n]);
		KUNIT_EXPECT_PTR_EQ(test, again[n], made[n]);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls), OBJS);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 1);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), OBJS - 1);
}

/* One pass of calls made from a timer, and what the test checks after. */
struct in_irq {
	struct klpx_kunit_fx *fx;
	struct klpx_shadow_type *type;
	struct timer_list timer;
	struct hrtimer hrtimer;
	struct completion done;
	bool in_softirq;
	bool in_hardirq;
	int found;		/* get() found the variable ctor built for obj */
	int made;		/* get_or_alloc() returned a variable for obj */
	int wrong;		/* a variable of another obj came back */
	int runs;
};

/* get() the first half of the objs. */
static void in_irq_gets(struct in_irq *ctx)
{
	struct klpx_kunit_rec *rec;
	int n;

	for (n = 0; n < OBJS / 2; n++) {
		rec = klpx_shadow_get(&objs[n], ctx->type);
		if (rec && rec->obj == &objs[n])
			ctx->found++;
		else if (rec)
			ctx->wrong++;
	}
}

/* get() every obj, get_or_alloc() the second half, free the first one. */
static void in_irq_calls(struct in_irq *ctx)
{
	struct klpx_kunit_rec *rec;
	int n;

	in_irq_gets(ctx);
	for (n = OBJS / 2; n < OBJS; n++) {
		rec = klpx_shadow_get_or_alloc(&objs[n], ctx->type, GFP_ATOMIC,
					       ctx->fx);
		if (rec && rec->obj == &objs[n])
			ctx->made++;
		else if (rec)
			ctx->wrong++;
	}
	klpx_shadow_free(&objs[0], ctx->type);
}

static void in_softirq_fn(struct timer_list *t)
{
	struct in_irq *ctx = from_timer(ctx, t, timer);

	ctx->in_softirq = in_serving_softirq();
	in_irq_calls(ctx);
	complete(&ctx->done);
}

static enum hrtimer_restart in_hardirq_fn(struct hrtimer *t)
{
	struct in_irq *ctx = container_of(t, struct in_irq, hrtimer);

	ctx->in_hardirq = in_hardirq();
	/* On PREEMPT_RT only get() may run in hard IRQ context. */
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		in_irq_gets(ctx);
	else
		in_irq_calls(ctx);
	complete(&ctx->done);
	return HRTIMER_NORESTART;
}

static struct in_irq *in_irq_setup(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct in_irq *ctx;
	int n;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->fx = fx;
	ctx->type = registered(test, 0);
	init_completion(&ctx->done);
	for (n = 0; n < OBJS / 2; n++)
		KUNIT_ASSERT_NOT_NULL(test,
				      klpx_shadow_alloc(&objs[n], ctx->type,
							GFP_KERNEL, fx));
	return ctx;
}

static void in_irq_check(struct kunit *test, struct in_irq *ctx)
{
	struct klpx_kunit_fx *fx = ctx->fx;
	int n;

	KUNIT_EXPECT_EQ(test, ctx->found, OBJS / 2);
	KUNIT_EXPECT_EQ(test, ctx->made, OBJS / 2);
	KUNIT_EXPECT_EQ(test, ctx->wrong, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls), OBJS);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 1);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(ctx->type), OBJS - 1);
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[0], ctx->type));
	for (n = 1; n < OBJS; n++)
		KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_get(&objs[n], ctx->type));
}

static void klpx_shadow_context_calls_work_in_softirq(struct kunit *test)
{
	struct in_irq *ctx = in_irq_setup(test);

	timer_setup(&ctx->timer, in_softirq_fn, 0);
	mod_timer(&ctx->timer, jiffies + 1);
	wait_for_completion(&ctx->done);
	del_timer_sync(&ctx->timer);

	KUNIT_EXPECT_TRUE(test, ctx->in_softirq);
	in_irq_check(test, ctx);
}

static void klpx_shadow_context_calls_work_in_hardirq(struct kunit *test)
{
	struct in_irq *ctx = in_irq_setup(test);

	hrtimer_init(&ctx->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	ctx->hrtimer.function = in_hardirq_fn;
	hrtimer_start(&ctx->hrtimer, ns_to_ktime(1000), HRTIMER_MODE_REL_HARD);
	wait_for_completion(&ctx->done);
	hrtimer_cancel(&ctx->hrtimer);

	KUNIT_EXPECT_TRUE(test, ctx->in_hardirq);
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		KUNIT_EXPECT_EQ(test, ctx->found, OBJS / 2);
		KUNIT_EXPECT_EQ(test, ctx->wrong, 0);
		return;
	}
	in_irq_check(test, ctx);
}

/*
 * A timer looks variables up in softirq, tick after tick, while process
 * context keeps creating and destroying them: every variable get() returns
 * must still be the one built for that obj (freed memory would be caught
 * by KASAN, a reused one by the obj check).
 */
static void softirq_reader_fn(struct timer_list *t)
{
	struct in_irq *ctx = from_timer(ctx, t, timer);
	struct klpx_kunit_rec *rec;
	int n;

	for (n = 0; n < OBJS; n++) {
		rec = klpx_shadow_get(&objs[n], ctx->type);
		if (!rec)
			continue;
		if (READ_ONCE(rec->obj) == &objs[n])
			ctx->found++;
		else
			ctx->wrong++;
	}
	if (++ctx->runs < READER_RUNS)
		mod_timer(&ctx->timer, jiffies + 1);
	else
		complete(&ctx->done);
}

static void klpx_shadow_context_softirq_get_races_process_free(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct in_irq *ctx;
	int n, rounds = 0;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->fx = fx;
	ctx->type = registered(test, 0);
	init_completion(&ctx->done);

	timer_setup(&ctx->timer, softirq_reader_fn, 0);
	mod_timer(&ctx->timer, jiffies + 1);
	while (!completion_done(&ctx->done)) {
		for (n = 0; n < OBJS; n++)
			klpx_shadow_get_or_alloc(&objs[n], ctx->type,
						 GFP_KERNEL, fx);
		for (n = 0; n < OBJS; n += 2)
			klpx_shadow_free(&objs[n], ctx->type);
		klpx_shadow_free_all(ctx->type);
		rounds++;
		cond_resched();
	}
	wait_for_completion(&ctx->done);
	del_timer_sync(&ctx->timer);

	kunit_info(test, "%d rounds, %d variables seen in softirq\n",
		   rounds, ctx->found);
	KUNIT_EXPECT_EQ(test, ctx->runs, READER_RUNS);
	KUNIT_EXPECT_EQ(test, ctx->wrong, 0);
	KUNIT_EXPECT_GT(test, rounds, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls),
			atomic_read(&fx->dtor_calls[0]));
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->bad_dtor), 0);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(ctx->type), 0);
}

/*
 * Growing and shrinking a table must wake nothing in the caller's context:
 * a patched scheduler path may hold a task's pi_lock or a runqueue lock,
 * which waking a kworker takes.  Under current->pi_lock, a wake-up would
 * take another task's pi_lock, which lockdep reports as recursion.
 */
static void klpx_shadow_context_resizes_wake_nothing_under_a_pi_lock(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0);
	unsigned long flags;
	int n, made = 0;

	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		kunit_skip(test, "PREEMPT_RT: alloc and free sleep, never under a raw lock");
	raw_spin_lock_irqsave(&current->pi_lock, flags);
	/* 64 variables grow the 16-chain table; freeing them shrinks it */
	for (n = 0; n < OBJS; n++)
		made += !!klpx_shadow_alloc(&objs[n], type, GFP_ATOMIC, fx);
	for (n = 0; n < OBJS; n += 2)
		klpx_shadow_free(&objs[n], type);
	klpx_shadow_free_all(type);
	raw_spin_unlock_irqrestore(&current->pi_lock, flags);

	KUNIT_EXPECT_EQ(test, made, OBJS);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), OBJS);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 0);
}

static struct klpx_shadow_type *nested_inner;

/* A ctor of one id that creates a variable of another. */
static int nested_ctor(void *obj, void *shadow_data, void *ctor_data)
{
	return klpx_shadow_alloc(obj, nested_inner, GFP_ATOMIC, ctor_data) ?
		0 : -ENOMEM;
}

/*
 * Each id's lock has a lockdep class of its own: a ctor of one id may
 * create a variable of another (ids nesting one way only), and lockdep
 * sees two locks, not one taken twice.
 */
static void klpx_shadow_context_ctor_may_create_in_another_id(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *outer, *inner;
	int n;

	outer = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	outer->ctor = nested_ctor;
	outer->dtor = NULL;	/* the data is not a counting record */
	inner = registered(test, 1);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	nested_inner = inner;

	for (n = 0; n < 4; n++)
		KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_alloc(&objs[n], outer,
							      GFP_ATOMIC, fx));
	for (n = 0; n < 4; n++)
		KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_get(&objs[n], inner));
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(outer), 4);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(inner), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls), 4);
}

static struct kunit_case klpx_shadow_context_cases[] = {
	KUNIT_CASE(klpx_shadow_context_resizes_wake_nothing_under_a_pi_lock),
	KUNIT_CASE(klpx_shadow_context_ctor_may_create_in_another_id),
	KUNIT_CASE(klpx_shadow_context_atomic_alloc_works_with_irqs_off),
	KUNIT_CASE(klpx_shadow_context_calls_work_in_softirq),
	KUNIT_CASE(klpx_shadow_context_calls_work_in_hardirq),
	KUNIT_CASE(klpx_shadow_context_softirq_get_races_process_free),
	{}
};

static struct kunit_suite klpx_shadow_context_suite = {
	.name = "klpx_shadow_context",
	.init = klpx_kunit_init,
	.exit = klpx_kunit_exit,
	.test_cases = klpx_shadow_context_cases,
};

kunit_test_suite(klpx_shadow_context_suite);

MODULE_LICENSE("GPL");
