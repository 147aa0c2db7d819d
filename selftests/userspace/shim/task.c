// SPDX-License-Identifier: GPL-2.0
/*
 * The calling context as the kernel would see it: spinlocks held,
 * preemption and IRQs disabled, RCU readers entered, and whether the
 * kernel is a PREEMPT_RT one.  Used to report sleeping where the kernel
 * may not sleep.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <shim.h>

/* PREEMPT_RT mode: which kernel the calling context is that of. */
static bool shim_rt_mode;
static pthread_once_t shim_rt_once = PTHREAD_ONCE_INIT;

static void shim_rt_from_env(void)
{
	const char *v = getenv("KLPX_SHIM_PREEMPT_RT");

	if (v && *v == '1')
		shim_rt_mode = true;
}

void shim_set_preempt_rt(bool on)
{
	pthread_once(&shim_rt_once, shim_rt_from_env);
	__atomic_store_n(&shim_rt_mode, on, __ATOMIC_SEQ_CST);
}

bool shim_preempt_rt(void)
{
	pthread_once(&shim_rt_once, shim_rt_from_env);
	return __atomic_load_n(&shim_rt_mode, __ATOMIC_RELAXED);
}

bool shim_kconfig_enabled(const char *option)
{
	return !strcmp(option, "CONFIG_PREEMPT_RT") && shim_preempt_rt();
}

static __thread struct shim_task shim_self;
__thread unsigned int shim_hash_last_bits;
__thread unsigned long shim_hlist_walks;
__thread unsigned long shim_hlist_nodes;
__thread void (*shim_hlist_visit_hook)(const void *node);
void (*shim_hlist_writer_hook)(const void *node);
unsigned long shim_seq_read_waits;
unsigned long shim_seq_read_retries;
__thread unsigned long shim_seq_read_begins;
static unsigned long shim_next_task_id;

struct shim_task *shim_current(void)
{
	struct shim_task *t = &shim_self;

	if (unlikely(!t->id))
		t->id = __atomic_add_fetch(&shim_next_task_id, 1,
					   __ATOMIC_RELAXED);
	return t;
}

bool shim_in_atomic(void)
{
	return shim_current()->preempt_count > 0;
}

void shim_preempt_disable(void)
{
	shim_current()->preempt_count++;
}

void shim_preempt_enable(void)
{
	struct shim_task *t = shim_current();

	if (t->preempt_count <= 0) {
		shim_splat(__FILE__, __LINE__, "unbalanced preempt_enable()");
		return;
	}
	t->preempt_count--;
}

unsigned long shim_irq_save(void)
{
	struct shim_task *t = shim_current();

	t->irqs_off++;
	t->preempt_count++;
	return 0;
}

void shim_irq_restore(unsigned long flags)
{
	struct shim_task *t = shim_current();

	if (t->irqs_off <= 0 || t->preempt_count <= 0) {
		shim_splat(__FILE__, __LINE__, "unbalanced IRQ restore");
		return;
	}
	t->irqs_off--;
	t->preempt_count--;
}

void shim_hardirq_enter(void)
{
	struct shim_task *t = shim_current();

	if (t->irqs_off)
		shim_splat(__FILE__, __LINE__,
			   "hard IRQ entered where IRQs are disabled");
	t->hardirq++;
	t->irqs_off++;
	t->preempt_count++;
}

void shim_hardirq_exit(void)
{
	struct shim_task *t = shim_current();

	if (t->hardirq <= 0 || t->irqs_off <= 0) {
		shim_splat(__FILE__, __LINE__,
			   "unbalanced hard IRQ exit (hard IRQ %d, IRQs off %d)",
			   t->hardirq, t->irqs_off);
		return;
	}
	t->hardirq--;
	t->irqs_off--;
	t->preempt_count--;
}

void shim_softirq_enter(void)
{
	struct shim_task *t = shim_current();

	if (t->hardirq || t->irqs_off || t->softirq || t->bh_off)
		shim_splat(__FILE__, __LINE__,
			   "softirq entered where it cannot run (hard IRQ %d, IRQs off %d, softirq %d, BH off %d)",
			   t->hardirq, t->irqs_off, t->softirq, t->bh_off);
	t->softirq++;
	t->preempt_count++;
}

void shim_softirq_exit(void)
{
	struct shim_task *t = shim_current();

	if (t->softirq <= 0 || t->preempt_count <= 0) {
		shim_splat(__FILE__, __LINE__, "unbalanced softirq exit");
		return;
	}
	t->softirq--;
	t->preempt_count--;
}

/* On PREEMPT_RT, disabling bottom halves leaves the task preemptible. */
void shim_bh_disable(void)
{
	struct shim_task *t = shim_current();

	t->bh_off++;
	if (!shim_preempt_rt())
		t->preempt_count++;
}

void shim_bh_enable(void)
{
	struct shim_task *t = shim_current();

	if (t->bh_off <= 0) {
		shim_splat(__FILE__, __LINE__, "unbalanced local_bh_enable()");
		return;
	}
	t->bh_off--;
	if (!shim_preempt_rt())
		t->preempt_count--;
}

/* schedule perturbation */

static unsigned long long shim_sched_base;
static __thread unsigned long shim_sched_yielded;

static unsigned long long shim_sched_mix(unsigned long long x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void shim_sched_seed(unsigned long long seed)
{
	__atomic_store_n(&shim_sched_base, seed, __ATOMIC_SEQ_CST);
	shim_current()->sched_rng = 0;
}

void shim_sched_point(void)
{
	unsigned long long base = __atomic_load_n(&shim_sched_base,
						  __ATOMIC_RELAXED);
	struct shim_task *t;
	unsigned long long r;

	if (!base)
		return;
	t = shim_current();
	if (!t->sched_rng)
		t->sched_rng = shim_sched_mix(base ^
					      shim_sched_mix(t->sched_index + 1)) | 1;
	r = t->sched_rng;
	r ^= r >> 12;
	r ^= r << 25;
	r ^= r >> 27;
	t->sched_rng = r;
	r *= 2685821657736338717ULL;
	/* one point in 16 yields; one of those in 8 yields a few times */
	if ((r >> 60) == 0) {
		int n = ((r >> 56) & 7) == 0 ? 8 : 1;

		shim_sched_yielded++;
		while (n--)
			sched_yield();
	}
}

unsigned long shim_sched_yields(void)
{
	return shim_sched_yielded;
}

void shim_might_sleep(const char *what, const char *file, int line)
{
	struct shim_task *t = shim_current();

	if (t->preempt_count > 0 || t->rcu_depth > 0)
		shim_splat(file, line,
			   "sleeping function called from invalid context: %s (preempt_count %d, rcu depth %d)",
			   what, t->preempt_count, t->rcu_depth);
}

static void (*shim_resched_hook)(void);

void shim_set_resched_hook(void (*hook)(void))
{
	__atomic_store_n(&shim_resched_hook, hook, __ATOMIC_SEQ_CST);
}

void shim_cond_resched(const char *file, int line)
{
	void (*hook)(void) = __atomic_load_n(&shim_resched_hook,
					     __ATOMIC_SEQ_CST);

	shim_might_sleep("cond_resched()", file, line);
	shim_sched_point();
	if (hook)
		hook();
}
