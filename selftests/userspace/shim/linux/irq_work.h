/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/irq_work.h>.
 *
 * An irq_work item runs on the deferred-work worker (see workqueue.h),
 * with IRQs counted as off, as the kernel runs it from an interrupt: never
 * in the context that queued it, so it never takes that context's locks.
 */
#ifndef _SHIM_LINUX_IRQ_WORK_H
#define _SHIM_LINUX_IRQ_WORK_H

#include <linux/kernel.h>
#include <linux/workqueue.h>
#include <shim.h>

struct irq_work {
	struct work_struct work;
	void (*func)(struct irq_work *work);
};

static inline void shim_irq_work_run(struct work_struct *work)
{
	struct irq_work *iw = container_of(work, struct irq_work, work);
	unsigned long flags = shim_irq_save();

	iw->func(iw);
	shim_irq_restore(flags);
}

#define IRQ_WORK_INIT(f)	((struct irq_work){			\
	.work = { .func = shim_irq_work_run }, .func = (f) })
#define IRQ_WORK_INIT_HARD(f)	IRQ_WORK_INIT(f)

static inline void init_irq_work(struct irq_work *work,
				 void (*func)(struct irq_work *))
{
	*work = IRQ_WORK_INIT(func);
}

#define irq_work_queue(w)	queue_work(system_wq, &(w)->work)
#define irq_work_sync(w)	((void)flush_work(&(w)->work))

#endif /* _SHIM_LINUX_IRQ_WORK_H */
