/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/workqueue.h>.
 *
 * One real worker thread runs every queued item, in queueing order, in
 * process context (it may sleep and take any lock).  An item is pending
 * from queueing until it starts running; it may be queued again while it
 * runs.  Every workqueue is that same worker.
 */
#ifndef _SHIM_LINUX_WORKQUEUE_H
#define _SHIM_LINUX_WORKQUEUE_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/list.h>

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

/**
 * struct work_struct - an item of deferred work
 * @entry:	in the worker's queue while pending
 * @func:	what to run
 * @pending:	queued and not started yet
 */
struct work_struct {
	struct list_head entry;
	work_func_t func;
	bool pending;
};

struct workqueue_struct;
extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_long_wq;
extern struct workqueue_struct *system_unbound_wq;
extern struct workqueue_struct *system_highpri_wq;
extern struct workqueue_struct *system_power_efficient_wq;

#define WQ_UNBOUND		0x2u
#define WQ_FREEZABLE		0x4u
#define WQ_MEM_RECLAIM		0x8u
#define WQ_HIGHPRI		0x10u

#define __WORK_INITIALIZER(n, f) { .entry = LIST_HEAD_INIT((n).entry), .func = (f) }
#define DECLARE_WORK(n, f)	struct work_struct n = __WORK_INITIALIZER(n, f)

void shim_init_work(struct work_struct *work, work_func_t func);
bool queue_work(struct workqueue_struct *wq, struct work_struct *work);
bool cancel_work_sync(struct work_struct *work);
bool cancel_work(struct work_struct *work);
bool flush_work(struct work_struct *work);
void flush_workqueue(struct workqueue_struct *wq);
struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
					 int max_active, ...);
void destroy_workqueue(struct workqueue_struct *wq);

#define INIT_WORK(w, f)		shim_init_work(w, f)
#define schedule_work(w)	queue_work(system_wq, w)
#define work_pending(w)		READ_ONCE((w)->pending)
#define flush_scheduled_work()	flush_workqueue(system_wq)

#endif /* _SHIM_LINUX_WORKQUEUE_H */
