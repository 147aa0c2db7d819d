// SPDX-License-Identifier: GPL-2.0
/*
 * The shims' context tracking: contexts, locks and lockdep, interrupt
 * contexts, lock classes, PREEMPT_RT and the schedules of yields.
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
/* context, locks, lockdep                                             */
/* ------------------------------------------------------------------ */

static void *seq_begin_once(void *arg)
{
	const seqcount_t *seq = arg;
	unsigned long before = shim_seq_read_begins;

	read_seqcount_begin(seq);
	return (void *)(uintptr_t)(shim_seq_read_begins - before);
}

/* a case may tell a reader's slow path by the begins of its own thread */
KLPX_TEST(shim_seq_read_begins_counts_the_calling_thread_only)
{
	seqcount_t seq;
	unsigned long before = shim_seq_read_begins;
	pthread_t other;
	void *counted;

	seqcount_init(&seq);
	read_seqcount_begin(&seq);
	read_seqcount_begin(&seq);
	ASSERT_EQ(shim_thread_create(&other, seq_begin_once, &seq), 0);
	pthread_join(other, &counted);
	EXPECT_EQ((uintptr_t)counted, 1);
	EXPECT_EQ(shim_seq_read_begins - before, 2);
}

KLPX_TEST(shim_locks_track_context_and_owner)
{
	DEFINE_SPINLOCK(lock);
	DEFINE_MUTEX(mutex);
	seqcount_spinlock_t seq;
	unsigned long flags;

	seqcount_spinlock_init(&seq, &lock);
	EXPECT_FALSE(shim_in_atomic());
	spin_lock_irqsave(&lock, flags);
	EXPECT_TRUE(shim_in_atomic());
	EXPECT_TRUE(irqs_disabled());
	EXPECT_TRUE(lockdep_is_held(&lock));
	write_seqcount_begin(&seq);
	write_seqcount_end(&seq);
	spin_unlock_irqrestore(&lock, flags);
	EXPECT_FALSE(shim_in_atomic());
	EXPECT_FALSE(lockdep_is_held(&lock));
	EXPECT_EQ(shim_splat_take(), 0);

	/* a seqcount writer without its lock, a mutex in atomic context */
	write_seqcount_begin(&seq);
	write_seqcount_end(&seq);
	EXPECT_EQ(shim_splat_take(), 1);
	spin_lock(&lock);
	mutex_lock(&mutex);
	EXPECT_EQ(shim_splat_take(), 1);
	lockdep_assert_held(&mutex);
	mutex_unlock(&mutex);
	spin_unlock(&lock);
	lockdep_assert_held(&mutex);
	EXPECT_EQ(shim_splat_take(), 1);
}

KLPX_TEST(shim_rcu_dereference_checks_its_context)
{
	DEFINE_MUTEX(mutex);
	int x = 1, *p = &x, *q;

	q = rcu_dereference_check(p, lockdep_is_held(&mutex));
	EXPECT_EQ(shim_splat_take(), 1);
	rcu_read_lock();
	q = rcu_dereference(p);
	rcu_read_unlock();
	mutex_lock(&mutex);
	q = rcu_dereference_protected(p, lockdep_is_held(&mutex));
	mutex_unlock(&mutex);
	EXPECT_EQ(shim_splat_take(), 0);
	EXPECT_PTR_EQ(q, &x);
}

/* ------------------------------------------------------------------ */
/* interrupt contexts, lock classes, PREEMPT_RT, schedules             */
/* ------------------------------------------------------------------ */

KLPX_TEST(shim_irq_state_follows_local_irq_and_spin_lock_irqsave)
{
	DEFINE_SPINLOCK(lock);
	unsigned long flags, outer;

	EXPECT_FALSE(irqs_disabled());
	local_irq_save(outer);
	EXPECT_TRUE(irqs_disabled());
	spin_lock_irqsave(&lock, flags);
	spin_unlock_irqrestore(&lock, flags);
	/* the inner restore leaves the outer section's IRQs off */
	EXPECT_TRUE(irqs_disabled());
	local_irq_restore(outer);
	EXPECT_FALSE(irqs_disabled());

	spin_lock_irq(&lock);
	EXPECT_TRUE(irqs_disabled() && in_atomic());
	spin_unlock_irq(&lock);
	spin_lock_bh(&lock);
	EXPECT_TRUE(in_softirq() && !irqs_disabled() && in_task());
	spin_unlock_bh(&lock);
	EXPECT_FALSE(in_softirq() || in_atomic() || irqs_disabled());
	EXPECT_EQ(shim_splat_take(), 0);
}

KLPX_TEST(shim_interrupt_contexts_can_be_entered_where_the_kernel_could)
{
	EXPECT_TRUE(in_task() && !in_interrupt());
	shim_hardirq_enter();
	EXPECT_TRUE(in_hardirq() && in_irq() && in_interrupt() && !in_task());
	EXPECT_TRUE(irqs_disabled() && in_atomic());
	might_sleep();
	EXPECT_EQ(shim_splat_take(), 1);
	shim_hardirq_exit();

	shim_softirq_enter();
	EXPECT_TRUE(in_serving_softirq() && in_softirq() && in_interrupt());
	EXPECT_FALSE(in_hardirq() || irqs_disabled() || in_task());
	shim_softirq_exit();
	EXPECT_TRUE(in_task() && !in_atomic());
	EXPECT_EQ(shim_splat_take(), 0);

	/* an interrupt cannot arrive where IRQs (or BHs, for a softirq) are off */
	local_irq_disable();
	shim_hardirq_enter();
	EXPECT_EQ(shim_splat_take(), 1);
	shim_hardirq_exit();
	local_irq_enable();
	local_bh_disable();
	shim_softirq_enter();
	EXPECT_EQ(shim_splat_take(), 1);
	shim_softirq_exit();
	local_bh_enable();
	EXPECT_FALSE(in_atomic() || irqs_disabled());
}

static void lock_in_hardirq(spinlock_t *lock)
{
	shim_hardirq_enter();
	spin_lock(lock);
	spin_unlock(lock);
	shim_hardirq_exit();
}

KLPX_TEST(shim_lock_taken_in_hardirq_and_with_irqs_on_is_reported)
{
	spinlock_t a, b;
	unsigned long flags;

	/* IRQ-safe use: irqsave outside the IRQ, plain inside it */
	spin_lock_init(&a);
	spin_lock_irqsave(&a, flags);
	spin_unlock_irqrestore(&a, flags);
	lock_in_hardirq(&a);
	EXPECT_EQ(shim_splat_take(), 0);

	/* an IRQ arriving under spin_lock(&b) would spin on b forever */
	spin_lock_init(&b);
	lock_in_hardirq(&b);
	spin_lock(&b);
	spin_unlock(&b);
	EXPECT_EQ(shim_splat_take(), 1);
	/* the same class is reported once */
	spin_lock(&b);
	spin_unlock(&b);
	EXPECT_EQ(shim_splat_take(), 0);
}

KLPX_TEST(shim_lock_taken_with_irqs_on_then_in_hardirq_is_reported)
{
	DEFINE_SPINLOCK(lock);

	spin_lock(&lock);
	spin_unlock(&lock);
	EXPECT_EQ(shim_splat_take(), 0);
	lock_in_hardirq(&lock);
	EXPECT_EQ(shim_splat_take(), 1);
}

KLPX_TEST(shim_lock_taken_in_softirq_and_with_bhs_on_is_reported)
{
	DEFINE_SPINLOCK(safe);
	DEFINE_SPINLOCK(unsafe);

	shim_softirq_enter();
	spin_lock(&safe);
	spin_unlock(&safe);
	spin_lock(&unsafe);
	spin_unlock(&unsafe);
	shim_softirq_exit();
	spin_lock_bh(&safe);
	spin_unlock_bh(&safe);
	EXPECT_EQ(shim_splat_take(), 0);
	spin_lock(&unsafe);
	spin_unlock(&unsafe);
	EXPECT_EQ(shim_splat_take(), 1);
}

KLPX_TEST(shim_locks_share_the_class_of_their_init_site)
{
	spinlock_t locks[2];
	int i;

	/* one spin_lock_init() call site: one class, as in lockdep */
	for (i = 0; i < 2; i++)
		spin_lock_init(&locks[i]);
	EXPECT_PTR_EQ(locks[0].class, locks[1].class);
	lock_in_hardirq(&locks[0]);
	spin_lock(&locks[1]);
	spin_unlock(&locks[1]);
	EXPECT_EQ(shim_splat_take(), 1);

	/* nesting two locks of one class needs an annotation we do not have */
	spin_lock_irq(&locks[0]);
	spin_lock(&locks[1]);
	EXPECT_EQ(shim_splat_take(), 1);
	spin_unlock(&locks[1]);
	spin_unlock_irq(&locks[0]);
}

/*
 * Classes, not locks, are ordered: the inversion below is taken on other
 * locks of the same classes, which also keeps TSan's own detector (which
 * follows lock instances) quiet about the deliberate cycle.
 */
KLPX_TEST(shim_lock_order_inversion_is_reported_through_other_classes)
{
	static struct lock_class_key ka, kb, kc;
	spinlock_t a[2], b, c[2];
	DEFINE_MUTEX(m);
	int i;

	for (i = 0; i < 2; i++) {
		spin_lock_init(&a[i]);
		lockdep_set_class(&a[i], &ka);
		spin_lock_init(&c[i]);
		lockdep_set_class(&c[i], &kc);
	}
	spin_lock_init(&b);
	lockdep_set_class(&b, &kb);

	/* m -> a -> b, then b -> c and a -> c: all consistent */
	mutex_lock(&m);
	spin_lock(&a[0]);
	spin_lock(&b);
	spin_unlock(&b);
	spin_unlock(&a[0]);
	mutex_unlock(&m);
	spin_lock(&b);
	spin_lock(&c[0]);
	spin_unlock(&c[0]);
	spin_unlock(&b);
	spin_lock(&a[0]);
	spin_lock(&c[0]);
	spin_unlock(&c[0]);
	spin_unlock(&a[0]);
	EXPECT_EQ(shim_splat_take(), 0);

	/* c -> a closes the cycle a -> b -> c -> a */
	spin_lock(&c[1]);
	spin_lock(&a[1]);
	EXPECT_EQ(shim_splat_take(), 1);
	spin_unlock(&a[1]);
	spin_unlock(&c[1]);
	/* a trylock cannot deadlock: no order is taken from it */
	spin_lock(&c[1]);
	EXPECT_TRUE(spin_trylock(&b));
	spin_unlock(&b);
	spin_unlock(&c[1]);
	EXPECT_EQ(shim_splat_take(), 0);
}

KLPX_TEST(shim_raw_spinlock_is_its_own_type_and_spins_on_preempt_rt)
{
	DEFINE_RAW_SPINLOCK(raw);
	DEFINE_SPINLOCK(lock);
	unsigned long flags;

	/* raw_spin_lock(&lock) or spin_lock(&raw) does not compile */
	EXPECT_EQ(_Generic(&raw, raw_spinlock_t *: 1, default: 0), 1);
	EXPECT_EQ(_Generic(&lock, raw_spinlock_t *: 1, default: 0), 0);

	EXPECT_FALSE(IS_ENABLED(CONFIG_PREEMPT_RT));
	shim_set_preempt_rt(true);
	EXPECT_TRUE(shim_preempt_rt());
	/* what code under test asks kconfig follows the mode */
	EXPECT_TRUE(IS_ENABLED(CONFIG_PREEMPT_RT));
	EXPECT_FALSE(IS_ENABLED(CONFIG_PREEMPTION));
	/* spinlock_t sleeps there: IRQs stay on, preemption allowed */
	spin_lock_irqsave(&lock, flags);
	EXPECT_FALSE(irqs_disabled() || in_atomic());
	rcu_read_lock();
	spin_unlock_irqrestore(&lock, flags);
	spin_lock(&lock);	/* fine in an RCU reader on RT */
	spin_unlock(&lock);
	rcu_read_unlock();
	raw_spin_lock_irqsave(&raw, flags);
	EXPECT_TRUE(irqs_disabled() && in_atomic());
	raw_spin_unlock_irqrestore(&raw, flags);
	shim_hardirq_enter();
	raw_spin_lock(&raw);
	raw_spin_unlock(&raw);
	EXPECT_EQ(shim_splat_take(), 0);

	/* a sleeping lock in hard IRQ context, or under a raw spinlock */
	spin_lock(&lock);
	EXPECT_EQ(shim_splat_take(), 1);
	spin_unlock(&lock);
	shim_hardirq_exit();
	raw_spin_lock_irqsave(&raw, flags);
	spin_lock(&lock);
	EXPECT_EQ(shim_splat_take(), 1);
	spin_unlock(&lock);
	raw_spin_unlock_irqrestore(&raw, flags);
	EXPECT_FALSE(in_atomic() || irqs_disabled());
	shim_set_preempt_rt(false);
}

/* the yields of 4000 points of a thread with index @index under @seed */
static unsigned long sched_yields_of(unsigned long long seed, unsigned int index)
{
	unsigned long before;
	int i;

	shim_current()->sched_index = index;
	shim_sched_seed(seed);
	before = shim_sched_yields();
	for (i = 0; i < 4000; i++)
		shim_sched_point();
	return shim_sched_yields() - before;
}

KLPX_TEST(shim_schedule_points_follow_the_seed)
{
	unsigned long long seed = kt_seed() | 1;
	unsigned long a = sched_yields_of(seed, 1);

	/* about one point in 16 yields, the same ones for the same seed */
	EXPECT_TRUE(a > 4000 / 32 && a < 4000 / 8);
	EXPECT_EQ(sched_yields_of(seed, 1), a);
	EXPECT_EQ(sched_yields_of(0, 1), 0);
	/* other threads, other seeds: other streams (equal counts are rare) */
	EXPECT_TRUE(sched_yields_of(seed, 2) != a ||
		    sched_yields_of(seed + 2, 1) != a);
	shim_current()->sched_index = 0;
}
