/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/preempt.h>: only the bookkeeping. */
#ifndef _SHIM_LINUX_PREEMPT_H
#define _SHIM_LINUX_PREEMPT_H

#include <shim.h>

#define preempt_disable()	shim_preempt_disable()
#define preempt_enable()	shim_preempt_enable()
#define preempt_disable_notrace() shim_preempt_disable()
#define preempt_enable_notrace() shim_preempt_enable()
#define in_atomic()		shim_in_atomic()
#define in_nmi()		false
#define in_hardirq()		(shim_current()->hardirq > 0)
#define in_irq()		in_hardirq()
#define in_serving_softirq()	(shim_current()->softirq > 0)
#define in_softirq()		(in_serving_softirq() || shim_current()->bh_off > 0)
#define in_interrupt()		(in_hardirq() || in_softirq())
#define in_task()		(!in_hardirq() && !in_serving_softirq())
#define preemptible()		(!shim_in_atomic() && !shim_current()->irqs_off)
#define local_bh_disable()	shim_bh_disable()
#define local_bh_enable()	shim_bh_enable()

#endif /* _SHIM_LINUX_PREEMPT_H */
