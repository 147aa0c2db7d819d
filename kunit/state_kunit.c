// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for shadow types as states: setup and release run where a
 * task may sleep, release only once every variable of its id is gone,
 * and a version may be kept or raised but never lowered.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/klpx.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "shadow/shadow.h"
#include "fixture.h"

#define OBJS	64

static char objs[OBJS];

/**
 * struct state_seen - what a case's setup and release saw
 * @fx:		the case's fixture (its dtor counts)
 * @setups:	setup calls
 * @releases:	release calls
 * @setup_ret:	what setup returns
 * @release_type: the type release was given
 * @dtors_at_release: dtor calls of the fixture when release ran
 * @bad_context: a callback ran in interrupt context, with IRQs off,
 *		inside an RCU reader, or holding a lock besides the
 *		registry's (held locks as lockdep counts them)
 */
static struct state_seen {
	struct klpx_kunit_fx *fx;
	int setups;
	int releases;
	int setup_ret;
	struct klpx_shadow_type *release_type;
	int dtors_at_release;
	int bad_context;
} seen;

/*
 * UML has no preemption count: lockdep tells instead that nothing but
 * the registry's mutex is held, so nothing forbids sleeping.
 */
static void state_check_context(void)
{
	if (!in_task() || irqs_disabled() || rcu_read_lock_held() ||
	    rcu_read_lock_bh_held() || lockdep_depth(current) > 1)
		seen.bad_context++;
	/* It may sleep, and does. */
	usleep_range(1000, 2000);
}

static int state_setup(struct klpx_shadow_type *type)
{
	state_check_context();
	seen.setups++;
	return seen.setup_ret;
}

static void state_release(struct klpx_shadow_type *type)
{
	state_check_context();
	seen.releases++;
	seen.release_type = type;
	seen.dtors_at_release = atomic_read(&seen.fx->dtor_calls[0]) +
				atomic_read(&seen.fx->dtor_calls[1]);
}

static struct klpx_shadow_type *state_type(struct kunit *test, int i,
					   unsigned long id,
					   unsigned int version)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = klpx_kunit_type(fx, i, id, i & 1);

	type->setup = state_setup;
	type->release = state_release;
	type->version = version;
	return type;
}

static int state_init(struct kunit *test)
{
	int ret = klpx_kunit_init(test);

	memset(&seen, 0, sizeof(seen));
	seen.fx = test->priv;
	return ret;
}

struct state_snapshot {
	unsigned long id;
	bool found;
	unsigned int refs;
	unsigned int version;
};

static void state_snapshot_one(const struct klpx_shadow_stat *st, void *arg)
{
	struct state_snapshot *snap = arg;

	if (st->id != snap->id)
		return;
	snap->found = true;
	snap->refs = st->refs;
	snap->version = st->version;
}

static struct state_snapshot state_snapshot(unsigned long id)
{
	struct state_snapshot snap = { .id = id };

	klpx_shadow_walk_classes(state_snapshot_one, &snap);
	return snap;
}

static void klpx_shadow_state_release_sleeps_after_the_variables(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type;
	int n;

	type = state_type(test, 0, klpx_kunit_new_id(), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_EXPECT_EQ(test, seen.setups, 1);
	for (n = 0; n < OBJS; n++)
		KUNIT_ASSERT_NOT_NULL(test, klpx_shadow_alloc(&objs[n], type,
							      GFP_KERNEL, fx));

	klpx_kunit_unregister(fx, 0);
	KUNIT_EXPECT_EQ(test, seen.releases, 1);
	KUNIT_EXPECT_PTR_EQ(test, seen.release_type, type);
	KUNIT_EXPECT_EQ(test, seen.dtors_at_release, OBJS);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->bad_dtor), 0);
	KUNIT_EXPECT_EQ(test, seen.bad_context, 0);
	KUNIT_EXPECT_FALSE(test, state_snapshot(type->id).found);
}

static void klpx_shadow_state_release_is_the_last_unregistered_types(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();
	struct klpx_shadow_type *first, *second;

	first = state_type(test, 0, id, 1);
	second = state_type(test, 1, id, 2);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 1), 0);
	/* A carried-over id: one setup, nothing released yet. */
	KUNIT_EXPECT_EQ(test, seen.setups, 1);
	KUNIT_ASSERT_NOT_NULL(test, klpx_shadow_alloc(NULL, second, GFP_KERNEL,
						      fx));
	klpx_kunit_unregister(fx, 0);
	KUNIT_EXPECT_EQ(test, seen.releases, 0);
	klpx_kunit_unregister(fx, 1);
	KUNIT_EXPECT_EQ(test, seen.releases, 1);
	KUNIT_EXPECT_PTR_EQ(test, seen.release_type, second);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[1]), 1);
	KUNIT_EXPECT_EQ(test, seen.dtors_at_release, 1);
	KUNIT_EXPECT_EQ(test, seen.bad_context, 0);
}

static void klpx_shadow_state_failing_setup_leaves_nothing(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type;

	type = state_type(test, 0, klpx_kunit_new_id(), 0);
	seen.setup_ret = -ENODEV;
	KUNIT_EXPECT_EQ(test, klpx_kunit_register(fx, 0), -ENODEV);
	KUNIT_EXPECT_EQ(test, seen.setups, 1);
	KUNIT_EXPECT_EQ(test, seen.releases, 0);
	KUNIT_EXPECT_FALSE(test, state_snapshot(type->id).found);
	KUNIT_EXPECT_EQ(test, seen.bad_context, 0);

	/* The same struct registers once setup works. */
	seen.setup_ret = 0;
	KUNIT_EXPECT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_EXPECT_EQ(test, seen.setups, 2);
	klpx_kunit_unregister(fx, 0);
	KUNIT_EXPECT_EQ(test, seen.releases, 1);
}

static void klpx_shadow_state_version_is_never_lowered(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();

	state_type(test, 0, id, 2);
	state_type(test, 1, id, 1);
	state_type(test, 2, id, 3);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_EXPECT_EQ(test, klpx_kunit_register(fx, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, state_snapshot(id).refs, 1);
	KUNIT_EXPECT_EQ(test, state_snapshot(id).version, 2);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 2), 0);
	KUNIT_EXPECT_EQ(test, state_snapshot(id).version, 3);
	klpx_kunit_unregister(fx, 2);
	KUNIT_EXPECT_EQ(test, state_snapshot(id).version, 2);
	KUNIT_EXPECT_EQ(test, seen.setups, 1);
	KUNIT_EXPECT_EQ(test, seen.releases, 0);
	klpx_kunit_unregister(fx, 0);
	KUNIT_EXPECT_EQ(test, seen.releases, 1);
}

static struct kunit_case klpx_shadow_state_cases[] = {
	KUNIT_CASE(klpx_shadow_state_release_sleeps_after_the_variables),
	KUNIT_CASE(klpx_shadow_state_release_is_the_last_unregistered_types),
	KUNIT_CASE(klpx_shadow_state_failing_setup_leaves_nothing),
	KUNIT_CASE(klpx_shadow_state_version_is_never_lowered),
	{}
};

static struct kunit_suite klpx_shadow_state_suite = {
	.name = "klpx_shadow_state",
	.init = state_init,
	.exit = klpx_kunit_exit,
	.test_cases = klpx_shadow_state_cases,
};

kunit_test_suite(klpx_shadow_state_suite);

MODULE_LICENSE("GPL");
