// SPDX-License-Identifier: GPL-2.0
/*
 * The calling context as the kernel would see it: spinlocks held,
 * preemption and IRQs disabled, RCU readers entered.  Used to report
 * sleeping where the kernel may not sleep.
 */
#include <linux/kernel.h>
#include <shim.h>

static __thread struct shim_task shim_self;
__thread unsigned int shim_hash_last_bits;
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
	if (hook)
		hook();
}
