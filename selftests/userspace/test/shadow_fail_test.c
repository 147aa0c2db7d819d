// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures at every allocation site of the shadow library.
 *
 * A scenario is run again and again with the 1st, 2nd, ... allocation it
 * makes failing, until a run makes no allocation that fails.  Each failing
 * run must return the documented error, leak nothing and leave no partial
 * state behind; a clean run afterwards must behave normally.
 */
#include <errno.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/klpx.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <shim.h>

#include "harness.h"
#include "probe.h"
#include "shadow.h"

static char objs[1 << 14];

#define OBJ(i)	((void *)&objs[i])

/* live allocations once frees in flight have landed */
static long settled_live(void)
{
	shim_workqueue_drain();
	rcu_barrier();
	return shim_alloc_live_total();
}

static void fail_nth(unsigned long n)
{
	struct shim_fail_policy p = { .nth = n };

	shim_fail_set(&p);
}

/* allocation @n and every one after it fail */
static void fail_from(unsigned long n)
{
	struct shim_fail_policy p = { .after = n - 1, .every = n == 1 };

	shim_fail_set(&p);
}

/* stop injecting; true if the run hit an injected failure */
static bool fail_stop(char *site, size_t len)
{
	bool hit = shim_fail_injected() != 0;

	shim_fail_last_site(site, len);
	shim_fail_clear();
	return hit;
}

KLPX_TEST(shadow_fail_first_registration_at_every_site)
{
	struct klpx_shadow_type a = PROBE_TYPE(200, "reg_fail", 32);
	unsigned long n, sites = 0;
	char site[128];
	long base;
	int ret;

	probe.size = 32;
	for (n = 1; n < 100; n++) {
		base = settled_live();
		fail_nth(n);
		ret = klpx_shadow_register(&a);
		if (!fail_stop(site, sizeof(site))) {
			EXPECT_EQ(ret, 0);
			klpx_shadow_unregister(&a);
			break;
		}
		sites++;
		kt_info("allocation #%lu fails (%s): register returns %d", n, site, ret);
		EXPECT_EQ(ret, -ENOMEM);
		EXPECT_EQ(settled_live(), base);
		EXPECT_EQ(shadow_refs_of(200), 0);
		/* no trace of the failed attempt: the id works from scratch */
		ASSERT_EQ(klpx_shadow_register(&a), 0);
		EXPECT_EQ(klpx_shadow_count(&a), 0);
		EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
		klpx_shadow_unregister(&a);
	}
	EXPECT_TRUE(sites > 0);
	EXPECT_WARNS(0);
	EXPECT_EQ(probe.ctor_calls, probe.dtor_calls[0]);
}

KLPX_TEST(shadow_fail_further_registration_of_an_id_at_every_site)
{
	struct klpx_shadow_type a = PROBE_TYPE(201, "reg_more", 32);
	struct klpx_shadow_type b = PROBE_TYPE(201, "reg_more", 32);
	unsigned long n;
	char site[128];
	void *p;
	long base;
	int ret;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p);
	for (n = 1; n < 100; n++) {
		base = settled_live();
		fail_nth(n);
		ret = klpx_shadow_register(&b);
		if (!fail_stop(site, sizeof(site))) {
			EXPECT_EQ(ret, 0);
			break;
		}
		kt_info("allocation #%lu fails (%s): register returns %d", n, site, ret);
		EXPECT_EQ(ret, -ENOMEM);
		EXPECT_EQ(settled_live(), base);
		EXPECT_EQ(shadow_refs_of(201), 1);
		EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	}
	EXPECT_EQ(shadow_refs_of(201), 2);
	klpx_shadow_unregister(&a);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &b), p);
	klpx_shadow_unregister(&b);
	EXPECT_EQ(probe.dtor_calls[0], 1);
}

enum create_op { DO_ALLOC, DO_GET_OR_ALLOC };

static void fail_create_at_every_site(enum create_op op, gfp_t gfp)
{
	struct klpx_shadow_type a = PROBE_TYPE(202, "create_fail", 32);
	unsigned long n, ctors, sites = 0;
	char site[128];
	void *p, *existing;
	long base;
	int i;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	/* a few neighbours, few enough that no table resize is due */
	for (i = 0; i < 4; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	existing = klpx_shadow_get(OBJ(0), &a);
	for (n = 1; n < 100; n++) {
		base = settled_live();
		ctors = probe.ctor_calls;
		fail_from(n);
		p = op == DO_ALLOC ?
		    klpx_shadow_alloc(OBJ(100), &a, gfp, NULL) :
		    klpx_shadow_get_or_alloc(OBJ(100), &a, gfp, NULL);
		if (!fail_stop(site, sizeof(site))) {
			EXPECT_NOT_NULL(p);
			break;
		}
		sites++;
		kt_info("allocation #%lu fails (%s)", n, site);
		EXPECT_NULL(p);
		EXPECT_EQ(probe.ctor_calls, ctors);
		EXPECT_EQ(klpx_shadow_count(&a), 4);
		EXPECT_NULL(klpx_shadow_get(OBJ(100), &a));
		EXPECT_PTR_EQ(klpx_shadow_get(OBJ(0), &a), existing);
		EXPECT_EQ(settled_live(), base);
	}
	EXPECT_TRUE(sites > 0);
	EXPECT_EQ(klpx_shadow_count(&a), 5);
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], 5);
}

KLPX_TEST(shadow_fail_alloc_at_every_site)
{
	fail_create_at_every_site(DO_ALLOC, GFP_KERNEL);
}

KLPX_TEST(shadow_fail_alloc_atomic_at_every_site)
{
	fail_create_at_every_site(DO_ALLOC, GFP_ATOMIC);
}

KLPX_TEST(shadow_fail_get_or_alloc_at_every_site)
{
	fail_create_at_every_site(DO_GET_OR_ALLOC, GFP_KERNEL);
}

KLPX_TEST(shadow_fail_get_or_alloc_atomic_at_every_site)
{
	fail_create_at_every_site(DO_GET_OR_ALLOC, GFP_NOWAIT);
}

/*
 * A creation allocates without sleeping first, and only when that fails
 * and the caller's flags allow it, again as they allow: a caller that may
 * sleep is not refused because memory was short for an instant.
 */
KLPX_TEST(shadow_failed_nonsleeping_attempt_is_retried_when_the_caller_may_sleep)
{
	struct klpx_shadow_type a = PROBE_TYPE(213, "retry", 32);
	char site[128];

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	fail_nth(1);
	EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_TRUE(fail_stop(site, sizeof(site)));
	fail_nth(1);
	EXPECT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(2), &a, GFP_KERNEL, NULL));
	EXPECT_TRUE(fail_stop(site, sizeof(site)));
	fail_nth(1);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(3), &a, GFP_ATOMIC, NULL));
	EXPECT_TRUE(fail_stop(site, sizeof(site)));
	EXPECT_EQ(probe.ctor_calls, 2);
	EXPECT_EQ(klpx_shadow_count(&a), 2);
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], 2);
}

KLPX_TEST(shadow_free_free_all_and_gc_need_no_memory)
{
	struct klpx_shadow_type a = PROBE_TYPE(203, "no_memory_needed", 32);
	struct shim_fail_policy none_left = { .every = 1 };
	long base = settled_live();
	int i;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < 300; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	shim_workqueue_drain();

	shim_fail_set(&none_left);
	klpx_shadow_free(OBJ(0), &a);
	EXPECT_EQ(klpx_shadow_count(&a), 299);
	for (i = 1; i < 200; i++)
		klpx_shadow_free(OBJ(i), &a);
	EXPECT_EQ(klpx_shadow_count(&a), 100);
	EXPECT_NOT_NULL(klpx_shadow_get(OBJ(250), &a));
	klpx_shadow_free_all(&a);
	EXPECT_EQ(klpx_shadow_count(&a), 0);
	for (i = 0; i < 50; i++)
		EXPECT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	klpx_shadow_unregister(&a);
	shim_fail_clear();

	EXPECT_EQ(probe.dtor_calls[0], 300);
	EXPECT_EQ(probe.dtor_bad, 0);
	EXPECT_EQ(settled_live(), base);
}

/*
 * Every table allocation fails while 4000 variables are made: none is
 * lost, and the store does not try again at every change (each try may
 * run the whole of reclaim) but once the count doubled since the last
 * failure: a dozen tries from 16 to 4000 variables, where retrying at
 * every change past the load limit tries thousands of times.
 */
KLPX_TEST(shadow_fail_resize_backs_off_and_loses_no_variable)
{
	struct klpx_shadow_type a = { .id = 204, .name = "no_resize", .size = 16 };
	struct shim_fail_policy no_tables = {
		.every = 1, .kinds = 1u << SHIM_KVMALLOC,
	};
	unsigned long n = 4000, i, missing = 0, tries;
	unsigned int small_bits, bits;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	shim_fail_set(&no_tables);
	for (i = 0; i < n; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	shim_workqueue_drain();
	tries = shim_fail_injected();
	shim_fail_clear();
	kt_info("%lu table allocations tried for %lu variables", tries, n);
	EXPECT_TRUE(tries > 0);
	/* two ways to try (the worker, a creator that helps) per doubling */
	EXPECT_TRUE(tries <= 2 * 12);

	for (i = 0; i < n; i++)
		missing += !klpx_shadow_get(OBJ(i), &a);
	EXPECT_EQ(missing, 0);
	EXPECT_EQ(klpx_shadow_count(&a), n);
	shim_hash_last_bits = 0;
	klpx_shadow_get(OBJ(0), &a);
	small_bits = shim_hash_last_bits;

	/* memory is back: the table grows once the count doubled again */
	for (i = n; i < 2 * n; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	shim_workqueue_drain();
	for (i = 0; i < 2 * n; i++)
		missing += !klpx_shadow_get(OBJ(i), &a);
	EXPECT_EQ(missing, 0);
	shim_hash_last_bits = 0;
	klpx_shadow_get(OBJ(0), &a);
	bits = shim_hash_last_bits;
	kt_info("table of 2^%u chains without memory, 2^%u after", small_bits, bits);
	EXPECT_TRUE(bits > small_bits);
	klpx_shadow_unregister(&a);
}

/*
 * Every other allocation fails while creations alternate GFP_KERNEL and
 * GFP_ATOMIC: whatever the phase, atomic creations fail (a GFP_KERNEL one
 * whose first try failed retries on the next allocation, which succeeds).
 * Every third would lock into a phase where the atomic ones never fail
 * once no resize tries an allocation in between.
 */
KLPX_TEST(shadow_fail_every_other_allocation_under_load)
{
	struct klpx_shadow_type a = PROBE_TYPE(205, "every_other", 32);
	struct shim_fail_policy other = { .every = 2 };
	static void *got[1 << 13];
	unsigned long n = 1 << 13, i, made = 0, wrong = 0;
	long base = settled_live();

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	shim_fail_set(&other);
	for (i = 0; i < n; i++) {
		got[i] = klpx_shadow_alloc(OBJ(i), &a,
					   i & 1 ? GFP_ATOMIC : GFP_KERNEL, NULL);
		made += got[i] != NULL;
	}
	shim_workqueue_drain();
	shim_fail_clear();
	kt_info("%lu of %lu allocations succeeded", made, n);
	EXPECT_TRUE(made > 0 && made < n);

	for (i = 0; i < n; i++)
		wrong += klpx_shadow_get(OBJ(i), &a) != got[i];
	EXPECT_EQ(wrong, 0);
	EXPECT_EQ(klpx_shadow_count(&a), made);
	EXPECT_EQ(probe.ctor_calls, made);
	klpx_shadow_free_all(&a);
	EXPECT_EQ(probe.dtor_calls[0], made);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(settled_live(), base);
}
