// SPDX-License-Identifier: GPL-2.0
/*
 * The shims are test doubles, so they are tested too.  Here: allocation
 * counting and failure injection, and the checks on frees.  Contexts and
 * locks are in shim_context_test.c; deferred work, grace periods and the
 * log in shim_grace_test.c.
 */
#include <string.h>

#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/workqueue.h>
#include <shim.h>

#include "harness.h"


/* ------------------------------------------------------------------ */
/* allocations                                                         */
/* ------------------------------------------------------------------ */

KLPX_TEST(shim_alloc_counts_live_allocations_per_kind)
{
	struct kmem_cache *c;
	void *k, *kv, *o;
	char *s;

	EXPECT_EQ(shim_alloc_live_total(), 0);
	k = kzalloc(10, GFP_KERNEL);
	kv = kvcalloc(100, 8, GFP_KERNEL);
	s = kstrdup("abc", GFP_ATOMIC);
	c = kmem_cache_create("test_cache", 24, 8, SLAB_HWCACHE_ALIGN, NULL);
	ASSERT_TRUE(k && kv && s && c);
	o = kmem_cache_zalloc(c, GFP_KERNEL);
	ASSERT_NOT_NULL(o);
	EXPECT_EQ((unsigned long)o % 64, 0);
	EXPECT_EQ(shim_alloc_live(SHIM_KMALLOC), 2);
	EXPECT_EQ(shim_alloc_live(SHIM_KVMALLOC), 1);
	EXPECT_EQ(shim_alloc_live(SHIM_SLAB), 1);
	EXPECT_EQ(shim_alloc_live(SHIM_CACHE), 1);
	EXPECT_EQ(shim_alloc_live_total(), 5);
	EXPECT_EQ(((unsigned char *)kv)[799], 0);

	kfree(k);
	kvfree(kv);
	kfree(s);
	kmem_cache_free(c, o);
	kmem_cache_destroy(c);
	EXPECT_EQ(shim_alloc_live_total(), 0);
	/* kmalloc(0) gives the kernel's zero-size pointer, not memory */
	k = kmalloc(0, GFP_KERNEL);
	EXPECT_TRUE(ZERO_OR_NULL_PTR(k) && k != NULL);
	kfree(k);
	kfree(NULL);
	EXPECT_WARNS(0);
}

KLPX_TEST(shim_alloc_fails_on_the_nth_every_nth_and_after_n)
{
	struct shim_fail_policy nth = { .nth = 3 };
	struct shim_fail_policy every = { .every = 4 };
	struct shim_fail_policy after = { .after = 5 };
	void *p[12];
	int i, failed;

	shim_fail_set(&nth);
	for (i = 0, failed = 0; i < 12; i++) {
		p[i] = kmalloc(8, GFP_KERNEL);
		failed += !p[i];
	}
	EXPECT_EQ(failed, 1);
	EXPECT_NULL(p[2]);
	EXPECT_EQ(shim_fail_injected(), 1);
	for (i = 0; i < 12; i++)
		kfree(p[i]);

	shim_fail_set(&every);
	for (i = 0, failed = 0; i < 12; i++) {
		p[i] = kvmalloc(8, GFP_KERNEL);
		failed += !p[i];
	}
	EXPECT_EQ(failed, 3);
	EXPECT_TRUE(!p[3] && !p[7] && !p[11] && p[0] && p[4]);
	for (i = 0; i < 12; i++)
		kvfree(p[i]);

	shim_fail_set(&after);
	for (i = 0, failed = 0; i < 12; i++) {
		p[i] = kzalloc(8, GFP_ATOMIC);
		failed += !p[i];
	}
	EXPECT_EQ(failed, 7);
	EXPECT_TRUE(p[4] && !p[5]);
	for (i = 0; i < 12; i++)
		kfree(p[i]);

	/* __GFP_NOFAIL never fails; clearing the policy stops it all */
	EXPECT_NOT_NULL(p[0] = kmalloc(8, GFP_KERNEL | __GFP_NOFAIL));
	kfree(p[0]);
	shim_fail_clear();
	EXPECT_NOT_NULL(p[0] = kmalloc(8, GFP_KERNEL));
	kfree(p[0]);
	EXPECT_EQ(shim_alloc_live_total(), 0);
}

KLPX_TEST(shim_alloc_fails_only_what_the_policy_selects)
{
	struct shim_fail_policy atomic = { .every = 1, .atomic_only = true };
	struct shim_fail_policy kv_only = { .every = 1, .kinds = 1u << SHIM_KVMALLOC };
	char site[64];
	void *a, *b;

	shim_fail_set(&atomic);
	a = kmalloc(8, GFP_ATOMIC);
	b = kmalloc(8, GFP_KERNEL);
	EXPECT_NULL(a);
	EXPECT_NOT_NULL(b);
	EXPECT_NULL(kmalloc(8, GFP_NOWAIT));
	kfree(b);

	shim_fail_set(&kv_only);
	a = kvzalloc(8, GFP_KERNEL);
	b = kzalloc(8, GFP_KERNEL);
	EXPECT_NULL(a);
	EXPECT_NOT_NULL(b);
	kfree(b);
	shim_fail_last_site(site, sizeof(site));
	EXPECT_TRUE(strstr(site, "shim_test.c") != NULL);
	shim_fail_clear();
	EXPECT_EQ(shim_alloc_live_total(), 0);
}

KLPX_TEST(shim_alloc_fails_what_the_kernel_would_refuse)
{
	/* beyond KMALLOC_MAX_SIZE: NULL and a WARN unless __GFP_NOWARN */
	EXPECT_NULL(kmalloc(8UL << 20, GFP_KERNEL));
	EXPECT_WARNS(1);
	EXPECT_NULL(kmalloc(8UL << 20, GFP_KERNEL | __GFP_NOWARN));
	EXPECT_NULL(kvmalloc(8UL << 20, GFP_ATOMIC | __GFP_NOWARN));
	EXPECT_NULL(kcalloc(SIZE_MAX / 2, 4, GFP_KERNEL | __GFP_NOWARN));
	EXPECT_WARNS(0);
	void *big = kvmalloc(8UL << 20, GFP_KERNEL);
	EXPECT_NOT_NULL(big);
	kvfree(big);
}

KLPX_TEST(shim_free_with_the_wrong_function_warns)
{
	struct kmem_cache *c1 = kmem_cache_create("one", 16, 0, 0, NULL);
	struct kmem_cache *c2 = kmem_cache_create("two", 16, 0, 0, NULL);
	void *kv = kvmalloc(64, GFP_KERNEL);
	void *o = kmem_cache_alloc(c1, GFP_KERNEL);
	void *k = kmalloc(16, GFP_KERNEL);

	ASSERT_TRUE(c1 && c2 && kv && o && k);
	kfree(kv);				/* kvmalloc memory needs kvfree */
	EXPECT_WARNS(1);
	kmem_cache_free(c2, o);			/* not its cache */
	EXPECT_WARNS(1);
	kmem_cache_free(c1, k);			/* not a cache object */
	EXPECT_WARNS(1);
	/* the counts still balance */
	EXPECT_EQ(shim_alloc_live_total(), 2);

	o = kmem_cache_alloc(c1, GFP_KERNEL);
	kmem_cache_destroy(c1);			/* an object is left */
	EXPECT_WARNS(1);
	kfree(o);				/* SLUB: kfree takes cache objects */
	kmem_cache_destroy(c1);
	kmem_cache_destroy(c2);
	kmem_cache_destroy(NULL);
	EXPECT_WARNS(0);
}

KLPX_TEST(shim_sleeping_allocation_in_atomic_context_is_reported)
{
	DEFINE_SPINLOCK(lock);
	void *p;

	spin_lock(&lock);
	p = kmalloc(8, GFP_ATOMIC);
	EXPECT_EQ(shim_splat_take(), 0);
	kfree(p);
	p = kmalloc(8, GFP_KERNEL);
	EXPECT_EQ(shim_splat_take(), 1);
	kfree(p);
	spin_unlock(&lock);

	rcu_read_lock();
	might_sleep();
	EXPECT_EQ(shim_splat_take(), 1);
	rcu_read_unlock();
	might_sleep();
	cond_resched();
	EXPECT_EQ(shim_splat_take(), 0);
}
