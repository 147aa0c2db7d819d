// SPDX-License-Identifier: GPL-2.0
/*
 * The numbered behaviours of the shadow API (API.md section 2), sections
 * 9 to 11: free and free_all, count, and the locks klpx keeps to itself;
 * then the internal interface of shadow.h (statistics, module exit).
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
	held.ctor = probe_gate_ctor;
	probe_gate_close(OBJ(100));
	ASSERT_EQ(shim_thread_create(&t, probe_gate_alloc_fn, &held), 0);
	KT_WAIT_FOR(__atomic_load_n(&probe_gate.inside, __ATOMIC_SEQ_CST));

	/* id 110's lock is held by its ctor; id 111 goes on regardless */
	EXPECT_NOT_NULL(klpx_shadow_alloc(OBJ(1), &free_id, GFP_KERNEL, NULL));
	EXPECT_NOT_NULL(klpx_shadow_get_or_alloc(OBJ(2), &free_id, GFP_ATOMIC, NULL));
	EXPECT_NOT_NULL(klpx_shadow_get(OBJ(1), &free_id));
	klpx_shadow_free(OBJ(1), &free_id);
	EXPECT_EQ(klpx_shadow_count(&free_id), 1);
	klpx_shadow_free_all(&free_id);
	EXPECT_EQ(klpx_shadow_count(&free_id), 0);
	EXPECT_EQ(probe.dtor_calls[0], 2);

	__atomic_store_n(&probe_gate.release, true, __ATOMIC_SEQ_CST);
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
