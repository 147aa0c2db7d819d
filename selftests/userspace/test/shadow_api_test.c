// SPDX-License-Identifier: GPL-2.0
/*
 * The numbered behaviours of the shadow API (API.md section 2), one or
 * more cases each, named after the behaviour they hold klpx to.
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

static unsigned long shadow_refs_of(unsigned long id);

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

/* ------------------------------------------------------------------ */
/* 4. Unregistered types                                               */
/* ------------------------------------------------------------------ */

static void expect_harmless_and_logged(struct klpx_shadow_type *t,
				       const char *name)
{
	unsigned long logged = shim_log_count(LOGLEVEL_ERR, name);
	long live = shim_alloc_live_total();
	unsigned long ctors = probe.ctor_calls;

	EXPECT_NULL(klpx_shadow_get(OBJ(1), t));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 1);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), t, GFP_KERNEL, NULL));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 2);
	EXPECT_NULL(klpx_shadow_get_or_alloc(OBJ(1), t, GFP_ATOMIC, NULL));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 3);
	klpx_shadow_free(OBJ(1), t);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 4);
	klpx_shadow_free_all(t);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 5);
	EXPECT_EQ(klpx_shadow_count(t), 0);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, name), logged + 6);

	EXPECT_EQ(probe.ctor_calls, ctors);
	EXPECT_EQ(shim_alloc_live_total(), live);
	EXPECT_WARNS(0);
}

KLPX_TEST(shadow_ops_on_never_registered_type_return_nothing_and_log)
{
	struct klpx_shadow_type ghost = PROBE_TYPE(40, "ghost_type", 32);

	expect_harmless_and_logged(&ghost, "ghost_type");
}

KLPX_TEST(shadow_ops_after_gc_return_nothing_and_log)
{
	struct klpx_shadow_type a = PROBE_TYPE(41, "collected_type", 32);
	int i;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < 10; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	klpx_shadow_unregister(&a);
	expect_harmless_and_logged(&a, "collected_type");
	EXPECT_EQ(probe.dtor_calls[0], 10);
}

KLPX_TEST(shadow_ops_on_null_type_return_nothing)
{
	long live = shim_alloc_live_total();

	EXPECT_NULL(klpx_shadow_get(OBJ(1), NULL));
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), NULL, GFP_KERNEL, NULL));
	EXPECT_NULL(klpx_shadow_get_or_alloc(OBJ(1), NULL, GFP_KERNEL, NULL));
	klpx_shadow_free(OBJ(1), NULL);
	klpx_shadow_free_all(NULL);
	EXPECT_EQ(klpx_shadow_count(NULL), 0);
	EXPECT_EQ(shim_alloc_live_total(), live);
	EXPECT_WARNS(0);
}

KLPX_TEST(shadow_unregistered_type_errors_are_ratelimited)
{
	struct klpx_shadow_type ghost = PROBE_TYPE(42, "flooding_type", 32);
	unsigned long logged;
	int i;

	for (i = 0; i < 10000; i++)
		klpx_shadow_get(OBJ(1), &ghost);
	logged = shim_log_count(LOGLEVEL_ERR, "flooding_type");
	EXPECT_TRUE(logged >= 1);
	/* a burst per interval, not one line per call */
	EXPECT_LE(logged, 100);
}

/* ------------------------------------------------------------------ */
/* 5. get: lockless, any context, constant time                        */
/* ------------------------------------------------------------------ */

/* a ctor that holds the id's lock until the test lets it go */
static struct {
	bool inside;
	bool release;
} gate;

static int gate_ctor(void *obj, void *data, void *ctor_data)
{
	__atomic_store_n(&gate.inside, true, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&gate.release, __ATOMIC_SEQ_CST))
		sched_yield();
	return 0;
}

static void *gate_alloc_fn(void *arg)
{
	return klpx_shadow_alloc(OBJ(100), arg, GFP_KERNEL, NULL);
}

KLPX_TEST(shadow_get_does_not_wait_for_the_id_lock)
{
	struct klpx_shadow_type a = { .id = 50, .name = "gated", .size = 16 };
	pthread_t t;
	void *p1, *created;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p1 = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p1);
	a.ctor = gate_ctor;

	ASSERT_EQ(shim_thread_create(&t, gate_alloc_fn, &a), 0);
	KT_WAIT_FOR(__atomic_load_n(&gate.inside, __ATOMIC_SEQ_CST));
	/* the id's lock is held by the ctor: these must not need it */
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p1);
	EXPECT_NULL(klpx_shadow_get(OBJ(100), &a));	/* not visible yet */
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	__atomic_store_n(&gate.release, true, __ATOMIC_SEQ_CST);
	pthread_join(t, &created);

	EXPECT_NOT_NULL(created);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(100), &a), created);
	klpx_shadow_unregister(&a);
}

struct registry_probe {
	struct klpx_shadow_type *type;
	void *expect;
	bool found;
};

static void get_under_registry_lock(const struct klpx_shadow_stat *st,
				    void *arg)
{
	struct registry_probe *q = arg;

	/* the registry is locked while this runs */
	if (st->id == q->type->id)
		q->found = klpx_shadow_get(OBJ(1), q->type) == q->expect;
}

KLPX_TEST(shadow_get_does_not_wait_for_the_registry_lock)
{
	struct klpx_shadow_type a = { .id = 51, .name = "registry", .size = 16 };
	struct registry_probe q = { .type = &a };

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	q.expect = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(q.expect);
	klpx_shadow_walk_classes(get_under_registry_lock, &q);
	EXPECT_TRUE(q.found);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_get_works_in_atomic_context)
{
	struct klpx_shadow_type a = { .id = 52, .name = "atomic", .size = 16 };
	unsigned long attempts, flags;
	DEFINE_SPINLOCK(caller_lock);
	void *p;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p);
	attempts = shim_alloc_attempts();

	spin_lock_irqsave(&caller_lock, flags);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	EXPECT_NULL(klpx_shadow_get(OBJ(2), &a));
	spin_unlock_irqrestore(&caller_lock, flags);

	rcu_read_lock();
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	rcu_read_unlock();

	/* a lookup never allocates; the harness fails sleeping in atomic context */
	EXPECT_EQ(shim_alloc_attempts(), attempts);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_get_tables_grow_with_the_variables)
{
	struct klpx_shadow_type a = { .id = 53, .name = "many", .size = 8 };
	unsigned long n = 1UL << 15, i;
	unsigned int bits;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < n; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	shim_workqueue_drain();

	/* every variable is found once the tables settle... */
	for (i = 0; i < n; i++)
		if (!klpx_shadow_get(OBJ(i), &a))
			ASSERT_NOT_NULL(klpx_shadow_get(OBJ(i), &a));
	/* ...in a table with at most 2 variables per chain on average */
	shim_hash_last_bits = 0;
	klpx_shadow_get(OBJ(n / 2), &a);
	bits = shim_hash_last_bits;
	kt_info("%lu variables, lookups hash into 2^%u chains", n, bits);
	EXPECT_TRUE(bits > 0 && n <= 2UL << bits);
	klpx_shadow_unregister(&a);
}

/* ------------------------------------------------------------------ */
/* 6. alloc                                                            */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_alloc_creates_zeroed_constructed_variable)
{
	struct klpx_shadow_type a = PROBE_TYPE(60, "made", 100);
	int ctor_data;
	struct probe_data *p;

	probe.size = 100;
	probe.ctor_type = &a;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(3), &a, GFP_KERNEL, &ctor_data);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_PTR_EQ(probe.last_obj, OBJ(3));
	EXPECT_PTR_EQ(probe.last_data, p);
	EXPECT_PTR_EQ(probe.last_ctor_data, &ctor_data);
	EXPECT_FALSE(probe.ctor_dirty);
	/* the ctor ran before anyone could find the variable */
	EXPECT_FALSE(probe.ctor_saw_visible);
	EXPECT_EQ(p->magic, PROBE_LIVE);
	/* the whole size is ours (ASan checks the bounds) */
	memset(p + 1, 0x5a, 100 - sizeof(*p));
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(3), &a), p);
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], 1);
	EXPECT_PTR_EQ(probe.last_dtor_data, p);
	EXPECT_PTR_EQ(probe.last_dtor_obj, OBJ(3));
}

KLPX_TEST(shadow_alloc_without_ctor_gives_zeroed_data)
{
	struct klpx_shadow_type a = { .id = 61, .name = "plain", .size = 256 };
	unsigned char *p;
	int i, nonzero = 0;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_ATOMIC, NULL);
	ASSERT_NOT_NULL(p);
	for (i = 0; i < 256; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(nonzero, 0);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_of_existing_variable_warns_and_fails)
{
	struct klpx_shadow_type a = PROBE_TYPE(62, "dup", 32);
	struct probe_data *p;
	long live;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p);
	live = shim_alloc_live_total();

	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_WARNS(1);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_ATOMIC, NULL));
	shim_warn_take();

	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	EXPECT_EQ(p->magic, PROBE_LIVE);
	EXPECT_EQ(shim_alloc_live_total(), live);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_of_existing_variable_warns_even_without_memory)
{
	struct klpx_shadow_type a = PROBE_TYPE(66, "dup_nomem", 32);
	struct shim_fail_policy all = { .every = 1 };
	struct probe_data *p;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_NOT_NULL(p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));

	/* the caller's bug is reported whether the spare could be had or not */
	shim_fail_set(&all);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_ATOMIC, NULL));
	EXPECT_WARNS(1);
	shim_fail_clear();
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_ATOMIC, NULL));
	EXPECT_WARNS(1);
	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_failing_ctor_is_logged_once_per_failure)
{
	struct klpx_shadow_type a = PROBE_TYPE(67, "ctor_logs", 32);

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	shim_log_clear();
	probe.ctor_ret = -EIO;
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "ctor_logs"), 1);
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "error -5"), 1);
	EXPECT_NULL(klpx_shadow_get_or_alloc(OBJ(2), &a, GFP_ATOMIC, NULL));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "ctor_logs"), 2);
	probe.ctor_ret = 0;
	EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_EQ(shim_log_count(LOGLEVEL_ERR, "ctor_logs"), 2);
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_with_failing_ctor_adds_nothing)
{
	struct klpx_shadow_type a = PROBE_TYPE(63, "refused", 32);
	long live;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	live = shim_alloc_live_total();
	probe.ctor_ret = -EIO;
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_NULL(klpx_shadow_get_or_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_EQ(probe.ctor_calls, 2);
	EXPECT_EQ(klpx_shadow_count(&a), 0);
	EXPECT_NULL(klpx_shadow_get(OBJ(1), &a));
	EXPECT_EQ(shim_alloc_live_total(), live);

	probe.ctor_ret = 0;
	EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], 1);
}

KLPX_TEST(shadow_alloc_of_size_zero_gives_a_variable)
{
	struct klpx_shadow_type a = { .id = 64, .name = "flag", .size = 0 };
	void *p;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	EXPECT_NOT_NULL(p);
	EXPECT_PTR_EQ(klpx_shadow_get(OBJ(1), &a), p);
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	klpx_shadow_free(OBJ(1), &a);
	EXPECT_NULL(klpx_shadow_get(OBJ(1), &a));
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_on_null_object_hands_global_state_over)
{
	struct klpx_shadow_type v1 = PROBE_TYPE(65, "global_lock", 32);
	struct klpx_shadow_type v2 = PROBE_TYPE(65, "global_lock", 32);
	struct probe_data *p;

	probe.size = 32;
	/* patch version 1 creates the state */
	ASSERT_EQ(klpx_shadow_register(&v1), 0);
	p = klpx_shadow_alloc(NULL, &v1, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p);
	EXPECT_PTR_EQ(p->obj, NULL);
	/* version 2 registers before version 1 goes: the state survives */
	ASSERT_EQ(klpx_shadow_register(&v2), 0);
	klpx_shadow_unregister(&v1);
	EXPECT_PTR_EQ(klpx_shadow_get(NULL, &v2), p);
	EXPECT_PTR_EQ(klpx_shadow_get_or_alloc(NULL, &v2, GFP_KERNEL, NULL), p);
	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_EQ(p->magic, PROBE_LIVE);
	klpx_shadow_unregister(&v2);
	EXPECT_EQ(probe.dtor_calls[0], 1);
}

/* ------------------------------------------------------------------ */
/* 7. get_or_alloc                                                     */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_get_or_alloc_returns_existing_without_ctor)
{
	struct klpx_shadow_type a = PROBE_TYPE(70, "existing", 32);
	int ctor_data;
	void *p;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	p = klpx_shadow_get_or_alloc(OBJ(1), &a, GFP_KERNEL, &ctor_data);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_PTR_EQ(probe.last_ctor_data, &ctor_data);
	EXPECT_FALSE(probe.ctor_dirty);
	EXPECT_PTR_EQ(klpx_shadow_get_or_alloc(OBJ(1), &a, GFP_KERNEL, NULL), p);
	EXPECT_PTR_EQ(klpx_shadow_get_or_alloc(OBJ(1), &a, GFP_ATOMIC, NULL), p);
	EXPECT_EQ(probe.ctor_calls, 1);
	EXPECT_EQ(klpx_shadow_count(&a), 1);
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
}

#define RACERS 4

struct race {
	struct klpx_shadow_type *type;
	pthread_barrier_t start;
	void *obj;
	void *got[RACERS];
	unsigned long ctor_calls;
	int rounds;
};

static int race_ctor(void *obj, void *data, void *ctor_data)
{
	struct race *r = ctor_data;

	__atomic_fetch_add(&r->ctor_calls, 1, __ATOMIC_SEQ_CST);
	*(void **)data = obj;
	return 0;
}

struct racer {
	struct race *race;
	int index;
};

static void *racer_fn(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->race;
	int i;

	for (i = 0; i < r->rounds; i++) {
		pthread_barrier_wait(&r->start);
		me->race->got[me->index] =
			klpx_shadow_get_or_alloc(OBJ(i), r->type,
						 me->index & 1 ? GFP_ATOMIC : GFP_KERNEL,
						 r);
		pthread_barrier_wait(&r->start);
		/* the main thread checks this round */
		pthread_barrier_wait(&r->start);
	}
	return NULL;
}

KLPX_TEST(shadow_get_or_alloc_racers_share_one_variable_and_one_ctor)
{
	struct klpx_shadow_type a = { .id = 71, .name = "raced", .size = 8,
				      .ctor = race_ctor };
	struct racer racers[RACERS];
	pthread_t threads[RACERS];
	struct race r = { .type = &a };
	int i, round;

	r.rounds = (int)kt_scaled(300);
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	pthread_barrier_init(&r.start, NULL, RACERS + 1);
	for (i = 0; i < RACERS; i++) {
		racers[i].race = &r;
		racers[i].index = i;
		ASSERT_EQ(shim_thread_create(&threads[i], racer_fn, &racers[i]), 0);
	}
	for (round = 0; round < r.rounds; round++) {
		pthread_barrier_wait(&r.start);
		pthread_barrier_wait(&r.start);
		for (i = 0; i < RACERS; i++) {
			EXPECT_NOT_NULL(r.got[i]);
			EXPECT_PTR_EQ(r.got[i], r.got[0]);
		}
		EXPECT_EQ(__atomic_load_n(&r.ctor_calls, __ATOMIC_SEQ_CST),
			  round + 1);
		pthread_barrier_wait(&r.start);
	}
	for (i = 0; i < RACERS; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&r.start);
	EXPECT_EQ(klpx_shadow_count(&a), r.rounds);
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
}

/* ------------------------------------------------------------------ */
/* 8. ctor context and the caller's gfp                                */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_ctor_runs_in_atomic_context)
{
	struct klpx_shadow_type a = PROBE_TYPE(80, "atomic_ctor", 32);

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	ASSERT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(2), &a, GFP_KERNEL, NULL));
	EXPECT_EQ(probe.ctor_calls, 2);
	EXPECT_FALSE(probe.ctor_not_atomic);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_sleeps_only_outside_the_id_lock)
{
	struct klpx_shadow_type a = PROBE_TYPE(81, "gfp_kernel", 32);

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	/*
	 * The harness reports a sleeping allocation made in atomic context:
	 * with GFP_KERNEL, allocating under the id's lock would show.
	 */
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	ASSERT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(2), &a, GFP_KERNEL, NULL));
	EXPECT_EQ(shim_splat_pending(), 0);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_alloc_uses_the_callers_gfp)
{
	struct klpx_shadow_type a = PROBE_TYPE(82, "gfp_atomic", 32);
	struct shim_fail_policy atomic_fails = { .every = 1, .atomic_only = true };
	DEFINE_SPINLOCK(caller_lock);
	unsigned long flags;
	void *p;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);

	/* GFP_ATOMIC from atomic context works */
	spin_lock_irqsave(&caller_lock, flags);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_ATOMIC, NULL);
	EXPECT_NOT_NULL(p);
	EXPECT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(2), &a, GFP_ATOMIC, NULL));
	spin_unlock_irqrestore(&caller_lock, flags);

	/* only non-sleeping allocations fail: the gfp given is the one used */
	shim_fail_set(&atomic_fails);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(3), &a, GFP_ATOMIC, NULL));
	EXPECT_NULL(klpx_shadow_get_or_alloc(OBJ(4), &a, GFP_NOWAIT, NULL));
	EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(5), &a, GFP_KERNEL, NULL));
	EXPECT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(6), &a, GFP_KERNEL, NULL));
	EXPECT_TRUE(shim_fail_injected() >= 2);
	shim_fail_clear();
	EXPECT_EQ(klpx_shadow_count(&a), 4);
	klpx_shadow_unregister(&a);
}

/* ------------------------------------------------------------------ */
/* 9. free and free_all                                                */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_free_removes_and_calls_dtor_once)
{
	struct klpx_shadow_type a = PROBE_TYPE(90, "freed", 32);
	struct klpx_shadow_type b = PROBE_TYPE(90, "freed", 32);
	void *p;

	b.dtor = probe_dtor_b;
	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_EQ(klpx_shadow_register(&b), 0);
	p = klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL);
	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(2), &a, GFP_KERNEL, NULL));

	/* the dtor of the type given to free */
	klpx_shadow_free(OBJ(1), &b);
	EXPECT_EQ(probe.dtor_calls[1], 1);
	EXPECT_EQ(probe.dtor_calls[0], 0);
	EXPECT_PTR_EQ(probe.last_dtor_obj, OBJ(1));
	EXPECT_PTR_EQ(probe.last_dtor_data, p);
	EXPECT_NULL(klpx_shadow_get(OBJ(1), &a));
	EXPECT_EQ(klpx_shadow_count(&a), 1);

	/* absent: nothing happens */
	klpx_shadow_free(OBJ(1), &a);
	klpx_shadow_free(OBJ(3), &a);
	EXPECT_EQ(probe.dtor_calls[0] + probe.dtor_calls[1], 1);
	EXPECT_NOT_NULL(klpx_shadow_get(OBJ(2), &a));
	EXPECT_WARNS(0);
	EXPECT_EQ(probe.dtor_bad, 0);
	klpx_shadow_unregister(&a);
	klpx_shadow_unregister(&b);
}

KLPX_TEST(shadow_free_frees_memory_only_after_readers)
{
	struct klpx_shadow_type a = PROBE_TYPE(91, "deferred", 32);
	struct probe_data *p;
	long live;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	rcu_barrier();
	live = shim_alloc_live(SHIM_SLAB) + shim_alloc_live(SHIM_KMALLOC);

	rcu_read_lock();
	p = klpx_shadow_get(OBJ(1), &a);
	ASSERT_NOT_NULL(p);
	klpx_shadow_free(OBJ(1), &a);
	EXPECT_EQ(probe.dtor_calls[0], 1);
	EXPECT_NULL(klpx_shadow_get(OBJ(1), &a));
	/* the reader still holds it: the memory is still there (ASan) */
	EXPECT_EQ(p->magic, PROBE_DEAD);
	EXPECT_EQ(shim_alloc_live(SHIM_SLAB) + shim_alloc_live(SHIM_KMALLOC),
		  live);
	rcu_read_unlock();

	rcu_barrier();
	EXPECT_EQ(shim_alloc_live(SHIM_SLAB) + shim_alloc_live(SHIM_KMALLOC),
		  live - 1);
	klpx_shadow_unregister(&a);
}

KLPX_TEST(shadow_free_all_destroys_every_variable_of_its_id_only)
{
	struct klpx_shadow_type a = PROBE_TYPE(92, "all_of_a", 32);
	struct klpx_shadow_type b = PROBE_TYPE(93, "all_of_b", 32);
	struct probe_data *pb[500];
	int i;

	b.dtor = probe_dtor_b;
	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_EQ(klpx_shadow_register(&b), 0);
	for (i = 0; i < 2000; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	for (i = 0; i < 500; i++) {
		pb[i] = klpx_shadow_alloc(OBJ(i), &b, GFP_KERNEL, NULL);
		ASSERT_NOT_NULL(pb[i]);
	}

	klpx_shadow_free_all(&a);
	EXPECT_EQ(probe.dtor_calls[0], 2000);
	EXPECT_EQ(probe.dtor_bad, 0);
	EXPECT_EQ(klpx_shadow_count(&a), 0);
	for (i = 0; i < 2000; i++)
		EXPECT_NULL(klpx_shadow_get(OBJ(i), &a));

	EXPECT_EQ(probe.dtor_calls[1], 0);
	EXPECT_EQ(klpx_shadow_count(&b), 500);
	for (i = 0; i < 500; i++) {
		EXPECT_PTR_EQ(klpx_shadow_get(OBJ(i), &b), pb[i]);
		EXPECT_EQ(pb[i]->magic, PROBE_LIVE);
	}

	/* the id is still registered and usable */
	EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	klpx_shadow_free_all(&a);
	klpx_shadow_free_all(&a);
	EXPECT_EQ(probe.dtor_calls[0], 2001);
	EXPECT_WARNS(0);
	klpx_shadow_unregister(&a);
	klpx_shadow_unregister(&b);
	EXPECT_EQ(probe.dtor_calls[1], 500);
}

/* a resize held halfway: variables are split between two tables */
static struct {
	unsigned long main_task;
	bool armed, inside, release;
} hold;

static void hold_hook(void)
{
	if (shim_current()->id == hold.main_task ||
	    !__atomic_exchange_n(&hold.armed, false, __ATOMIC_SEQ_CST))
		return;
	__atomic_store_n(&hold.inside, true, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&hold.release, __ATOMIC_SEQ_CST))
		sched_yield();
}

KLPX_TEST(shadow_ops_stay_exact_while_a_resize_is_half_done)
{
	struct klpx_shadow_type a = PROBE_TYPE(94, "half_moved", 32);
	unsigned long works, i, n = 256, dtors;
	static void *p[600];

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	/* a table of 256 chains, settled */
	for (i = 0; i < 200; i++)
		ASSERT_NOT_NULL(p[i] = klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	shim_workqueue_drain();

	/* the next growth stops at its first scheduling point */
	hold.main_task = shim_current()->id;
	hold.armed = true;
	shim_set_resched_hook(hold_hook);
	works = shim_work_executed();
	for (; i < n; i++)
		ASSERT_NOT_NULL(p[i] = klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	/* two items: the irq_work that kicks the resize, then the resize */
	KT_WAIT_FOR(__atomic_load_n(&hold.inside, __ATOMIC_SEQ_CST) ||
		    shim_work_executed() > works + 1);
	if (!__atomic_load_n(&hold.inside, __ATOMIC_SEQ_CST)) {
		shim_set_resched_hook(NULL);
		klpx_shadow_unregister(&a);
		kt_skip("the store resizes without a scheduling point to stop at");
	}

	/* every variable is found wherever it is, new ones too */
	for (i = 0; i < n; i++)
		EXPECT_PTR_EQ(klpx_shadow_get(OBJ(i), &a), p[i]);
	for (; i < n + 100; i++)
		ASSERT_NOT_NULL(p[i] = klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	EXPECT_PTR_EQ(klpx_shadow_get_or_alloc(OBJ(0), &a, GFP_KERNEL, NULL), p[0]);
	EXPECT_PTR_EQ(klpx_shadow_get_or_alloc(OBJ(n + 1), &a, GFP_KERNEL, NULL),
		      p[n + 1]);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(n - 1), &a, GFP_KERNEL, NULL));
	EXPECT_WARNS(1);
	/* frees from both tables */
	for (i = 0; i < n + 100; i += 7)
		klpx_shadow_free(OBJ(i), &a);
	dtors = probe.dtor_calls[0];
	EXPECT_EQ(klpx_shadow_count(&a), n + 100 - dtors);
	for (i = 0; i < n + 100; i++)
		EXPECT_PTR_EQ(klpx_shadow_get(OBJ(i), &a), i % 7 ? p[i] : NULL);
	/* free_all reaches both tables */
	klpx_shadow_free_all(&a);
	EXPECT_EQ(probe.dtor_calls[0], n + 100);
	EXPECT_EQ(probe.dtor_bad, 0);
	EXPECT_EQ(klpx_shadow_count(&a), 0);
	for (i = 0; i < n + 100; i++)
		EXPECT_NULL(klpx_shadow_get(OBJ(i), &a));

	for (i = 0; i < 50; i++)
		ASSERT_NOT_NULL(p[i] = klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	__atomic_store_n(&hold.release, true, __ATOMIC_SEQ_CST);
	shim_workqueue_drain();
	shim_set_resched_hook(NULL);
	for (i = 0; i < 100; i++)
		EXPECT_PTR_EQ(klpx_shadow_get(OBJ(i), &a), i < 50 ? p[i] : NULL);
	EXPECT_EQ(klpx_shadow_count(&a), 50);
	klpx_shadow_unregister(&a);
	EXPECT_EQ(probe.dtor_calls[0], n + 150);
}

/* ------------------------------------------------------------------ */
/* 10. count                                                           */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_count_is_the_number_of_live_variables)
{
	struct klpx_shadow_type a = PROBE_TYPE(100, "counted", 32);
	struct klpx_shadow_type same = PROBE_TYPE(100, "counted", 32);
	struct klpx_shadow_type other = PROBE_TYPE(101, "uncounted", 32);
	int i;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_EQ(klpx_shadow_register(&other), 0);
	EXPECT_EQ(klpx_shadow_count(&a), 0);
	for (i = 0; i < 50; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	for (i = 0; i < 7; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &other, GFP_KERNEL, NULL));
	EXPECT_EQ(klpx_shadow_count(&a), 50);
	EXPECT_EQ(klpx_shadow_count(&other), 7);

	/* a registered struct and an unregistered one of the id agree */
	ASSERT_EQ(klpx_shadow_register(&same), 0);
	EXPECT_EQ(klpx_shadow_count(&same), 50);

	ASSERT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(0), &a, GFP_KERNEL, NULL));
	ASSERT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(50), &a, GFP_KERNEL, NULL));
	EXPECT_EQ(klpx_shadow_count(&a), 51);
	EXPECT_NULL(klpx_shadow_alloc(OBJ(1), &a, GFP_KERNEL, NULL));
	EXPECT_WARNS(1);
	probe.ctor_ret = -ENOSPC;
	EXPECT_NULL(klpx_shadow_alloc(OBJ(51), &a, GFP_KERNEL, NULL));
	probe.ctor_ret = 0;
	EXPECT_EQ(klpx_shadow_count(&a), 51);
	for (i = 0; i < 10; i++)
		klpx_shadow_free(OBJ(i), &a);
	klpx_shadow_free(OBJ(0), &a);
	EXPECT_EQ(klpx_shadow_count(&a), 41);
	klpx_shadow_free_all(&a);
	EXPECT_EQ(klpx_shadow_count(&a), 0);
	EXPECT_EQ(klpx_shadow_count(&other), 7);
	klpx_shadow_unregister(&same);
	klpx_shadow_unregister(&a);
	klpx_shadow_unregister(&other);
}

/* ------------------------------------------------------------------ */
/* 11. klpx protects only its own structures; ids never share a lock   */
/* ------------------------------------------------------------------ */

KLPX_TEST(shadow_ids_never_contend_on_one_lock)
{
	struct klpx_shadow_type held = { .id = 110, .name = "held", .size = 16 };
	struct klpx_shadow_type free_id = PROBE_TYPE(111, "free_id", 32);
	pthread_t t;
	void *created;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&held), 0);
	ASSERT_EQ(klpx_shadow_register(&free_id), 0);
	held.ctor = gate_ctor;
	ASSERT_EQ(shim_thread_create(&t, gate_alloc_fn, &held), 0);
	KT_WAIT_FOR(__atomic_load_n(&gate.inside, __ATOMIC_SEQ_CST));

	/* id 110's lock is held by its ctor; id 111 goes on regardless */
	EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &free_id, GFP_KERNEL, NULL));
	EXPECT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(2), &free_id, GFP_ATOMIC, NULL));
	EXPECT_NOT_NULL(klpx_shadow_get(OBJ(1), &free_id));
	klpx_shadow_free(OBJ(1), &free_id);
	EXPECT_EQ(klpx_shadow_count(&free_id), 1);
	klpx_shadow_free_all(&free_id);
	EXPECT_EQ(klpx_shadow_count(&free_id), 0);
	EXPECT_EQ(probe.dtor_calls[0], 2);

	__atomic_store_n(&gate.release, true, __ATOMIC_SEQ_CST);
	pthread_join(t, &created);
	EXPECT_NOT_NULL(created);
	klpx_shadow_unregister(&held);
	klpx_shadow_unregister(&free_id);
}

KLPX_TEST(shadow_data_stays_put_and_untouched_while_the_store_changes)
{
	struct klpx_shadow_type a = { .id = 112, .name = "stable", .size = 64 };
	unsigned char *kept[64];
	unsigned long n = 20000, i;
	int k, j, bad = 0;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (k = 0; k < 64; k++) {
		kept[k] = klpx_shadow_alloc(OBJ(60000 + k), &a, GFP_KERNEL, NULL);
		ASSERT_NOT_NULL(kept[k]);
		memset(kept[k], k, 64);
	}
	/* grow the store well past its first size, then shrink it again */
	for (i = 0; i < n; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	shim_workqueue_drain();
	for (i = 0; i < n; i++)
		klpx_shadow_free(OBJ(i), &a);
	shim_workqueue_drain();

	for (k = 0; k < 64; k++) {
		EXPECT_PTR_EQ(klpx_shadow_get(OBJ(60000 + k), &a), kept[k]);
		for (j = 0; j < 64; j++)
			bad += kept[k][j] != k;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(klpx_shadow_count(&a), 64);
	klpx_shadow_unregister(&a);
}

/* ------------------------------------------------------------------ */

struct refs_query {
	unsigned long id;
	unsigned long refs;
};

static void refs_of(const struct klpx_shadow_stat *st, void *arg)
{
	struct refs_query *q = arg;

	if (st->id == q->id)
		q->refs = st->refs;
}

/* registrations of @id as the registry reports them (0: not registered) */
static unsigned long shadow_refs_of(unsigned long id)
{
	struct refs_query q = { .id = id };

	klpx_shadow_walk_classes(refs_of, &q);
	return q.refs;
}

/* ------------------------------------------------------------------ */
/* the internal interface of shadow.h: statistics and module exit      */
/* ------------------------------------------------------------------ */

struct stats {
	unsigned int n;
	struct klpx_shadow_stat st[4];
	char names[4][32];
};

static void collect_stats(const struct klpx_shadow_stat *st, void *arg)
{
	struct stats *s = arg;

	if (s->n < 4) {
		s->st[s->n] = *st;
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", st->name);
		s->n++;
	}
}

KLPX_TEST(shadow_stats_list_every_registered_id_in_order)
{
	struct klpx_shadow_type a = { .id = 120, .name = "first", .size = 8 };
	struct klpx_shadow_type a2 = { .id = 120, .name = "first", .size = 8 };
	struct klpx_shadow_type b = { .id = 121, .name = "second", .size = 0 };
	struct stats s = { 0 };
	int i;

	ASSERT_EQ(klpx_shadow_register(&a), 0);
	ASSERT_EQ(klpx_shadow_register(&b), 0);
	ASSERT_EQ(klpx_shadow_register(&a2), 0);
	for (i = 0; i < 5; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	klpx_shadow_walk_classes(collect_stats, &s);
	ASSERT_EQ(s.n, 2);
	EXPECT_EQ(s.st[0].id, 120);
	EXPECT_TRUE(!strcmp(s.names[0], "first"));
	EXPECT_EQ(s.st[0].size, 8);
	EXPECT_EQ(s.st[0].refs, 2);
	EXPECT_EQ(s.st[0].live, 5);
	EXPECT_EQ(s.st[1].id, 121);
	EXPECT_TRUE(!strcmp(s.names[1], "second"));
	EXPECT_EQ(s.st[1].refs, 1);
	EXPECT_EQ(s.st[1].live, 0);
	klpx_shadow_unregister(&a);
	klpx_shadow_unregister(&a2);
	klpx_shadow_unregister(&b);
	s.n = 0;
	klpx_shadow_walk_classes(collect_stats, &s);
	EXPECT_EQ(s.n, 0);
}

KLPX_TEST(shadow_exit_frees_ids_left_registered_without_dtor)
{
	struct klpx_shadow_type a = PROBE_TYPE(122, "left_behind", 32);
	int i;

	probe.size = 32;
	ASSERT_EQ(klpx_shadow_register(&a), 0);
	for (i = 0; i < 20; i++)
		ASSERT_NOT_NULL(klpx_shadow_alloc(OBJ(i), &a, GFP_KERNEL, NULL));
	klpx_shadow_free(OBJ(0), &a);
	shim_log_clear();
	klpx_shadow_exit();
	/* its owner is gone: no dtor, one line naming it, nothing left */
	EXPECT_EQ(probe.dtor_calls[0], 1);
	EXPECT_EQ(shim_log_count(LOGLEVEL_WARNING, "left_behind"), 1);
	EXPECT_EQ(shim_alloc_live_total(), 0);
}
