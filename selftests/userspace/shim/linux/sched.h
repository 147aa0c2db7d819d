/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/sched.h>: the scheduling points. */
#ifndef _SHIM_LINUX_SCHED_H
#define _SHIM_LINUX_SCHED_H

#include <linux/kernel.h>
#include <linux/preempt.h>
#include <shim.h>

#define cond_resched() ({						\
	shim_cond_resched(__FILE__, __LINE__);				\
	0;								\
})
#define need_resched()		false
#define signal_pending(task)	false
#define fatal_signal_pending(task) false

#endif /* _SHIM_LINUX_SCHED_H */
