// SPDX-License-Identifier: GPL-2.0
/*
 * The numbered behaviours of the shadow API (API.md section 2), one or
 * more cases each, named after the behaviour they hold klpx to: sections
 * 1 to 4, the identity of a type, registration, garbage collection and
 * unregistered types.  Sections 5 to 8 are in shadow_access_test.c, 9 to
 * 11 in shadow_free_test.c.
 */
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/klpx.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <shim.h>

#include "harness.h"
#include "probe.h"
#include "shadow.h"

static char objs[1 << 16];

#define OBJ(i)	((void *)&objs[i])

/* ------------------------------------------------------------------ */
/* 1. Identity is the id                                               */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_types_with_equal_id_share_variables)
{
	struct klpx_shadow_type a = PROBE_TYPE(10, "ps_lock", 32);
	struct klpx_shadow_type b = PROBE_TYPE(10, "ps_lock", 32);
	void *p;

	b.dtor = probe_dtor_b;
	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_EQ(klpx_shadow_register(&b), 0);
	EXPECT_EQ(shadow_refs_of(10), 2);

	p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &b), p);
	EXPECT_EQ(klpx_shadow_count(&b), 1);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &b, GFP_KERNEL, NULL));
	EXPECT_WARNS(1);

	/* one reference of two goes: nothing is destroyed */
	klpx_shadow_unregister(&a);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &b), p);
	EXPECT_EQ(probe.dtor_calls[0] + probe.dtor_calls[1], 0);
	EXPECT_EQ(shadow_refs_of(10), 1);

	klpx_shadow_unregister(&b);
	EXPECT_EQ(probe.dtor_calls[1], 1);
	EXPECT_EQ(probe.dtor_calls[0], 0);
	EXPECT_EQ(shadow_refs_of(10), 0);
}

KLPX_TEST(shadow_id_conflict_is_refused_and_changes_nothing)
{
	struct klpx_shadow_type a = PROBE_TYPE(11, "fix_one", 32);
	struct klpx_shadow_type other_name = PROBE_TYPE(11, "fix_two", 32);
	struct klpx_shadow_type other_size = PROBE_TYPE(11, "fix_one", 64);
	struct klpx_shadow_type new_layout = PROBE_TYPE(12, "fix_one", 64);
	long live;
	void *p;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p);
	live = shim_alloc_live_total();

	shim_log_clear();
	EXPECT_EQ(klpx_shadow_register(&other_name), -EINVAL);
	/* one line naming both types */
	EXPECT_EQ(shim_log_count(LOGLEVEL_DEBUG, "fix_two"), 1);
	EXPECT_EQ(shim_log_count(LOGLEVEL_DEBUG, "fix_one"), 1);

	shim_log_clear();
	EXPECT_EQ(klpx_shadow_register(&other_size), -EINVAL);
	EXPECT_EQ(shim_log_count(LOGLEVEL_DEBUG, "fix_one"), 1);

	/* nothing changed: same refcount, same variable, same memory */
	EXPECT_EQ(shadow_refs_of(11), 1);
	EXPECT_EQ(shim_alloc_live_total(), live);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	EXPECT_EQ(probe.dtor_calls[0], 0);

	/* a new data layout takes a new id, and that works */
	ASSERT_EQ(klpx_shadow_register(&new_layout), 0);
	probe.size = 64;
	EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &new_layout, GFP_KERNEL, NULL));
	klpx_shadow_unregister(&new_layout);

	/* the refused structs hold nothing: the last real owner collects */
	probe.size = 32;
	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], 2);
	EXPECT_EQ(shadow_refs_of(11), 0);
	EXPECT_EQ(probe.dtor_bad, 0);
}

/* ------------------------------------------------------------------ */
/* 2. Registration                                                     */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_register_rejects_null_unnamed_and_double)
{
	struct klpx_shadow_type a = PROBE_TYPE(20, "twice", 16);
	struct klpx_shadow_type unnamed = PROBE_TYPE(21, NULL, 16);

	EXPECT_EQ(klpx_shadow_register(NULL), -EINVAL);
	EXPECT_EQ(klpx_shadow_register(&unnamed), -EINVAL);
	EXPECT_EQ(shadow_refs_of(21), 0);

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	EXPECT_EQ(klpx_shadow_register(&a), -EINVAL);
	/* the refused second registration took no reference */
	EXPECT_EQ(shadow_refs_of(20), 1);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(shadow_refs_of(20), 0);
	EXPECT_WARNS(0);
}

KLPX_TEST(shadow_register_refuses_sizes_no_allocator_can_serve)
{
	static const size_t sizes[] = {
		SIZE_MAX, SIZE_MAX / 2, 1UL << 32, KMALLOC_MAX_SIZE,
		KMALLOC_MAX_SIZE - 8,
	};
	struct klpx_shadow_type a = PROBE_TYPE(26, "huge", 0);
	struct klpx_shadow_type biggest = PROBE_TYPE(27, "biggest", 0);
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		shim_log_clear();
		a.size = sizes[i];
		EXPECT_EQ(klpx_shadow_register(&a), -EINVAL);
		EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "more than any allocation"), 1);
		EXPECT_EQ(shadow_refs_of(26), 0);
	}
	/* a size that one kmalloc holds with klpx's header is fine */
	biggest.size = KMALLOC_MAX_SIZE - 64;
	ASSERT_EQ(klpx_shadow_register(&biggest), 0);
	EXPECT_EQ(shadow_refs_of(27), 1);
	klpx_shadow_unregister(&biggest);
	EXPECT_WARNS(0);
}

KLPX_TEST(shadow_ids_of_one_size_share_one_slab_cache)
{
	static struct klpx_shadow_type t[64];
	struct klpx_shadow_type other = PROBE_TYPE(28, "other_size", 24);
	long caches = shim_alloc_live(SHIM_CACHE);
	char names[64][16];
	int i;

	for (i = 0; i < 64; i++) {
		snprintf(names[i], sizeof(names[i]), "many%d", i);
		t[i] = (struct klpx_shadow_type)PROBE_TYPE(1000 + i, names[i], 16);
		ASSERT_EQ(klpx_shadow_register(&t[i]), 0);
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &t[i], GFP_KERNEL, NULL));
	}
	/* a cache per id would cost partial slabs per id */
	EXPECT_EQ(shim_alloc_live(SHIM_CACHE), caches + 1);
	ASSERT_EQ(klpx_shadow_register(&other), 0);
	EXPECT_EQ(shim_alloc_live(SHIM_CACHE), caches + 2);
	klpx_shadow_unregister(&other);
	EXPECT_EQ(shim_alloc_live(SHIM_CACHE), caches + 1);
	/* the cache goes with its last user, not before */
	for (i = 0; i < 63; i++)
		klpx_shadow_unregister(&t[i]);
	EXPECT_EQ(shim_alloc_live(SHIM_CACHE), caches + 1);
	EXPECT_NOT_NULL(klpx_shadow_get(OBJ(63), &t[63]));
	klpx_shadow_unregister(&t[63]);
	EXPECT_EQ(shim_alloc_live(SHIM_CACHE), caches);
	EXPECT_EQ(probe.dtor_calls[0], 64);
}

KLPX_TEST(shadow_unregistered_structs_find_their_id_among_many)
{
	static struct klpx_shadow_type t[600], alias[600];
	static char names[600][16];
	int i;

	/* more ids than the registry's hash by id has chains */
	for (i = 0; i < 600; i++) {
		snprintf(names[i], sizeof(names[i]), "id%d", i);
		t[i] = (struct klpx_shadow_type){ .id = 5000 + 256 * i,
						  .name = names[i], .size = 8 };
		alias[i] = t[i];
		ASSERT_EQ(klpx_shadow_register(&t[i]), 0);
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &t[i], GFP_KERNEL, NULL));
	}
	for (i = 0; i < 600; i += 2)
		klpx_shadow_unregister(&t[i]);
	/* a struct that is not registered itself reaches its live id only */
	for (i = 0; i < 600; i++) {
		EXPECT_PTR_EQ(klpx_shadow_get(OBJ(i), &alias[i]),
			      i % 2 ? klpx_shadow_get(OBJ(i), &t[i]) : NULL);
		EXPECT_NULL(klpx_shadow_get(OBJ(i + 1), &alias[i]));
	}
	shim_log_clear();
	for (i = 1; i < 600; i += 2)
		klpx_shadow_unregister(&t[i]);
	EXPECT_WARNS(0);
}

KLPX_TEST(shadow_register_returns_enomem_without_memory)
{
	struct klpx_shadow_type a = PROBE_TYPE(22, "nomem", 16);
	struct shim_fail_policy all = { .every = 1 };

	shim_fail_set(&all);
	EXPECT_EQ(klpx_shadow_register(&a), -ENOMEM);
	shim_fail_clear();
	EXPECT_EQ(shadow_refs_of(22), 0);
	/* and it left nothing behind: a retry registers normally */
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_register_may_sleep_and_is_called_where_it_may)
{
	struct klpx_shadow_type a = PROBE_TYPE(23, "sleepy", 16);
	unsigned long blocking = shim_alloc_attempts_blocking();

	/* registration allocates with GFP_KERNEL: fine in process context */
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	EXPECT_TRUE(shim_alloc_attempts_blocking() > blocking);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_unregister_of_unregistered_type_warns_once_only)
{
	struct klpx_shadow_type a = PROBE_TYPE(24, "kept", 32);
	struct klpx_shadow_type never = PROBE_TYPE(25, "never", 32);
	struct klpx_shadow_type same_id = PROBE_TYPE(24, "kept", 32);
	long live;
	void *p;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p);
	live = shim_alloc_live_total();

	klpx_shadow_unregister(&never);
	EXPECT_WARNS(1);
	/* a struct of a live id that was never registered drops nothing */
	klpx_shadow_unregister(&same_id);
	shim_warn_take();
	klpx_shadow_unregister(NULL);
	shim_warn_take();

	EXPECT_EQ(shadow_refs_of(24), 1);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	EXPECT_EQ(probe.dtor_calls[0], 0);
	EXPECT_EQ(shim_alloc_live_total(), live);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], 1);
}

/* ------------------------------------------------------------------ */
/* 3. Garbage collection                                               */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_last_unregister_destroys_every_variable_with_its_dtor)
{
	struct klpx_shadow_type a = PROBE_TYPE(30, "gc", 32);
	struct klpx_shadow_type b = PROBE_TYPE(30, "gc", 32);
	long base = shim_alloc_live_total();
	int i;

	b.dtor = probe_dtor_b;
	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_EQ(klpx_shadow_register(&b), 0);
	for (i = 0; i < 1000; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	/* some frees still wait for their grace period when GC starts */
	for (i = 0; i < 10; i++)
		klpx_shadow_free(OBJ(i), &a);
	EXPECT_EQ(probe.dtor_calls[0], 10);

	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], 10);
	EXPECT_EQ(probe.dtor_calls[1], 0);

	/* the unregistering type's dtor, once per variable, all freed on return */
	klpx_shadow_unregister(&b);
	EXPECT_EQ(probe.dtor_calls[1], 990);
	EXPECT_EQ(probe.dtor_calls[0], 10);
	EXPECT_EQ(probe.dtor_bad, 0);
	EXPECT_EQ(shim_alloc_live_total(), base);
}

KLPX_TEST(shadow_reregistration_starts_empty)
{
	struct klpx_shadow_type a = PROBE_TYPE(31, "again", 32);
	int i;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < 100; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	klpx_shadow_unregister(&a);

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	EXPECT_EQ(klpx_shadow_count(&a), 0);
	for (i = 0; i < 100; i++)
		EXPECT_NULL(klpx_shadow_get(OBJ(i), &a));
	/* no stale variable: allocating again is not a duplicate */
	for (i = 0; i < 100; i++)
		EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], 200);
}

struct gc_reader {
	struct klpx_shadow_type *type;
	bool holding;		/* the reader holds a variable under RCU */
	bool unregistered;	/* klpx_shadow_unregister() returned */
	bool early_return;	/* ... while the reader still held it */
	bool dtor_early;	/* the dtor ran while the reader held it */
	bool data_changed;
};

static void *gc_reader_fn(void *arg)
{
	struct gc_reader *r = arg;
	struct probe_data *pd;

	rcu_read_lock();
	pd = klpx_shadow_get(OBJ(7), r->type);
	__atomic_store_n(&r->holding, true, __ATOMIC_SEQ_CST);
	if (pd) {
		/* until the collector is waiting for us, or gave up waiting */
		KT_WAIT_FOR(shim_rcu_gp_waiters() ||
			    __atomic_load_n(&r->unregistered, __ATOMIC_SEQ_CST));
		r->early_return = __atomic_load_n(&r->unregistered,
						  __ATOMIC_SEQ_CST);
		r->dtor_early = __atomic_load_n(&probe.dtor_calls[0],
						__ATOMIC_SEQ_CST) != 0;
		r->data_changed = pd->magic != PROBE_LIVE || pd->obj != OBJ(7);
	}
	rcu_read_unlock();
	return pd;
}

static void *gc_unregister_fn(void *arg)
{
	struct gc_reader *r = arg;

	klpx_shadow_unregister(r->type);
	__atomic_store_n(&r->unregistered, true, __ATOMIC_SEQ_CST);
	return NULL;
}

KLPX_TEST(shadow_gc_waits_for_readers_before_destroying)
{
	struct klpx_shadow_type a = PROBE_TYPE(32, "waited", 32);
	struct gc_reader r = { .type = &a };
	pthread_t reader, collector;
	void *got;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(7), &a, GFP_KERNEL, NULL));

	ASSERT_EQ(shim_thread_create(&reader, gc_reader_fn, &r), 0);
	KT_WAIT_FOR(__atomic_load_n(&r.holding, __ATOMIC_SEQ_CST));
	ASSERT_EQ(shim_thread_create(&collector, gc_unregister_fn, &r), 0);
	pthread_join(reader, &got);
	pthread_join(collector, NULL);

	EXPECT_NOT_NULL(got);
	EXPECT_FALSE(r.early_return);
	EXPECT_FALSE(r.dtor_early);
	EXPECT_FALSE(r.data_changed);
	EXPECT_EQ(probe.dtor_calls[0], 1);
}

/* an allocation held in flight while its id is collected */
static struct {
	unsigned long task;
	bool inside, release, collected;
	void *got;
} flight;

static void flight_hook(enum shim_alloc_kind kind, unsigned int gfp)
{
	if (kind != SHIM_SLAB || shim_current()->id !=
	    __atomic_load_n(&flight.task, __ATOMIC_SEQ_CST))
		return;
	__atomic_store_n(&flight.inside, true, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&flight.release, __ATOMIC_SEQ_CST))
		sched_yield();
}

static void *flight_alloc_fn(void *arg)
{
	__atomic_store_n(&flight.task, shim_current()->id, __ATOMIC_SEQ_CST);
	flight.got = klpx_shadow_alloc(OBJ(9), arg, GFP_KERNEL, NULL);
	return NULL;
}

static void *flight_gc_fn(void *arg)
{
	klpx_shadow_unregister(arg);
	__atomic_store_n(&flight.collected, true, __ATOMIC_SEQ_CST);
	return NULL;
}

KLPX_TEST(shadow_gc_racing_an_allocation_in_flight_is_safe)
{
	struct klpx_shadow_type a = PROBE_TYPE(33, "in_flight", 32);
	long base = shim_alloc_live_total();
	pthread_t allocator, collector;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	shim_set_alloc_hook(flight_hook);
	ASSERT_EQ(shim_thread_create(&allocator, flight_alloc_fn, &a), 0);
	KT_WAIT_FOR(__atomic_load_n(&flight.inside, __ATOMIC_SEQ_CST));

	/* the allocator found the id and sleeps in the allocator: collect */
	ASSERT_EQ(shim_thread_create(&collector, flight_gc_fn, &a), 0);
	KT_WAIT_FOR(shim_srcu_gp_waiters() || shim_rcu_gp_waiters() ||
		    __atomic_load_n(&flight.collected, __ATOMIC_SEQ_CST));
	__atomic_store_n(&flight.release, true, __ATOMIC_SEQ_CST);
	pthread_join(allocator, NULL);
	pthread_join(collector, NULL);
	shim_set_alloc_hook(NULL);

	/* either way, every variable made went with the id, and its memory */
	EXPECT_EQ(probe.ctor_calls, probe.dtor_calls[0]);
	EXPECT_EQ(probe.dtor_bad, 0);
	EXPECT_EQ(shim_alloc_live_total(), base);
	kt_info("the allocation in flight %s", flight.got ?
		"made a variable, collected with the id" : "failed");
}

KLPX_TEST(shadow_ids_dropped_together_are_collected_after_one_wait)
{
	struct klpx_shadow_type one = PROBE_TYPE(33, "alone", 8);
	struct klpx_shadow_type a = PROBE_TYPE(34, "batch_a", 8);
	struct klpx_shadow_type b = PROBE_TYPE(35, "batch_b", 8);
	struct klpx_shadow_type c = PROBE_TYPE(36, "batch_c", 8);
	struct klpx_shadow_type c_kept = PROBE_TYPE(36, "batch_c", 8);
	struct klpx_shadow_type *types[] = { &a, &b, &c };
	unsigned long gp, single, batch;

	probe.size = 8;
	ASSERT_EQ(klpx_shadow_register(&one), 0);
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_EQ(klpx_shadow_register(&b), 0);
	ASSERT_EQ(klpx_shadow_register(&c), 0);
	ASSERT_EQ(klpx_shadow_register(&c_kept), 0);
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &one, GFP_KERNEL, NULL));
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(2), &a, GFP_KERNEL, NULL));
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(3), &b, GFP_KERNEL, NULL));
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(4), &c, GFP_KERNEL, NULL));

	/* What collecting one id waits for... */
	gp = shim_rcu_gp_completed();
	klpx_shadow_unregister(&one);
	single = shim_rcu_gp_completed() - gp;
	EXPECT_EQ(probe.dtor_calls[0], 1);

	/* ...is all that collecting two ids together waits for. */
	gp = shim_rcu_gp_completed();
	klpx_shadow_unregister_many(types, 3);
	batch = shim_rcu_gp_completed() - gp;
	EXPECT_LE(batch, single);
	EXPECT_EQ(probe.dtor_calls[0], 3);
	EXPECT_EQ(shadow_refs_of(34), 0);
	EXPECT_EQ(shadow_refs_of(35), 0);
	/* An id another registration holds is only released. */
	EXPECT_EQ(shadow_refs_of(36), 1);
	EXPECT_EQ(klpx_shadow_count(&c_kept), 1);

	klpx_shadow_unregister(&c_kept);
	EXPECT_EQ(probe.dtor_calls[0], 4);
}
