// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the growth of an id's table: however its creators
 * behave, a chain stays short, and the moves of a resize come in bounded
 * batches.  A creator that never yields its CPU, the
 * way a module's init that attaches to every object of a kind would, must
 * not leave the growth to a worker that needs that CPU.
 */
#include <kunit/test.h>
#include <linux/klpx.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "fixture.h"
#include "shadow/shadow.h"

#define GROWTH_CREATIONS	100000
/*
 * A table kept at load 4 or below holds, over 2^15 chains of random keys,
 * no chain much longer than 15.  These keys are consecutive bytes, which
 * the hash (tuned for the strides of slab objects) spreads less evenly:
 * at load 4, over 2^10 to 2^13 chains, the longest chain reaches about
 * 28.  A table left at its first 16 chains holds thousands per chain
 * after 10^5 creations.
 */
#define GROWTH_CHAIN_BOUND	32
/* How often the loop looks at the longest chain, in creations. */
#define GROWTH_CHECK_EVERY	1024

static void klpx_shadow_growth_nonyielding_creator_on_one_cpu_keeps_chains_short(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type;
	size_t longest = 0;
	unsigned long i;
	char *objs;

	type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	type->size = sizeof(unsigned long);
	type->ctor = NULL;
	type->dtor = NULL;
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);

	/* Keys only, never dereferenced. */
	objs = kunit_kzalloc(test, GROWTH_CREATIONS, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);

	/*
	 * Pinned to this CPU and never calling cond_resched() itself: only
	 * what the store does on the way lets anything else run here.
	 */
	migrate_disable();
	for (i = 0; i < GROWTH_CREATIONS; i++) {
		if (!klpx_shadow_get_or_alloc(&objs[i], type, GFP_KERNEL, NULL))
			break;
		if (i % GROWTH_CHECK_EVERY == GROWTH_CHECK_EVERY - 1) {
			longest = klpx_shadow_longest_chain(type);
			if (longest > GROWTH_CHAIN_BOUND) {
				i++;	/* this creation succeeded */
				break;
			}
		}
	}
	migrate_enable();

	kunit_info(test, "longest chain %zu after %lu creations\n", longest, i);
	KUNIT_EXPECT_EQ(test, i, GROWTH_CREATIONS);
	KUNIT_EXPECT_LE_MSG(test, longest, GROWTH_CHAIN_BOUND,
			    "after %lu creations", i);
	KUNIT_EXPECT_LE(test, klpx_shadow_longest_chain(type),
			GROWTH_CHAIN_BOUND);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), i);
}

/* Variables left on the first table's few chains before it may grow. */
#define GROWTH_LONG_CHAINS_VARS	20000
/* resize.c's bound on the moves of one batch, one hold of the id's locks. */
#define GROWTH_MOVES_PER_HOLD	64

/*
 * Chains of hundreds of variables, left by creators that could not let
 * the table grow (GFP_ATOMIC, never yielding: on this uniprocessor,
 * non-preemptible kernel the worker cannot run meanwhile), are moved by
 * the resize a sleeping creation then runs itself in batches bounded in
 * variables, not in chains: no hold with IRQs off moves more than
 * GROWTH_MOVES_PER_HOLD of them.
 */
static void
klpx_shadow_growth_resize_of_long_chains_moves_a_bounded_number_per_hold(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type;
	size_t before;
	unsigned long i;
	char *objs;

	type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	type->size = sizeof(unsigned long);
	type->ctor = NULL;
	type->dtor = NULL;
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	objs = kunit_kzalloc(test, GROWTH_LONG_CHAINS_VARS + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);

	for (i = 0; i < GROWTH_LONG_CHAINS_VARS; i++)
		KUNIT_ASSERT_NOT_NULL(test,
				      klpx_shadow_get_or_alloc(&objs[i], type,
							       GFP_ATOMIC, NULL));
	before = klpx_shadow_longest_chain(type);
	KUNIT_ASSERT_EQ(test, klpx_shadow_most_moves(type), 0U);
	KUNIT_ASSERT_GT(test, before, (size_t)4 * GROWTH_MOVES_PER_HOLD);

	/* A creation that may sleep grows the overloaded table itself. */
	KUNIT_ASSERT_NOT_NULL(test,
			      klpx_shadow_get_or_alloc(&objs[i], type,
						       GFP_KERNEL, NULL));
	kunit_info(test, "longest chain %zu, then %zu; at most %u moves per hold\n",
		   before, klpx_shadow_longest_chain(type),
		   klpx_shadow_most_moves(type));
	KUNIT_EXPECT_GT(test, klpx_shadow_most_moves(type), 0U);
	KUNIT_EXPECT_LE(test, klpx_shadow_most_moves(type),
			(unsigned int)GROWTH_MOVES_PER_HOLD);
	KUNIT_EXPECT_LE(test, klpx_shadow_longest_chain(type),
			(size_t)GROWTH_CHAIN_BOUND);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type),
			(size_t)GROWTH_LONG_CHAINS_VARS + 1);
}

static struct kunit_case klpx_shadow_growth_cases[] = {
	KUNIT_CASE(klpx_shadow_growth_nonyielding_creator_on_one_cpu_keeps_chains_short),
	KUNIT_CASE(klpx_shadow_growth_resize_of_long_chains_moves_a_bounded_number_per_hold),
	{}
};

static struct kunit_suite klpx_shadow_growth_suite = {
	.name = "klpx_shadow_growth",
	.init = klpx_kunit_init,
	.exit = klpx_kunit_exit,
	.test_cases = klpx_shadow_growth_cases,
};

kunit_test_suite(klpx_shadow_growth_suite);

MODULE_LICENSE("GPL");
