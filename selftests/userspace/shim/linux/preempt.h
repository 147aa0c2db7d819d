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
#define in_task()		true
#define in_interrupt()		false
#define in_irq()		false
#define in_nmi()		false
#define in_softirq()		false
#define preemptible()		(!shim_in_atomic())

#endif /* _SHIM_LINUX_PREEMPT_H */
