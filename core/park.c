// SPDX-License-Identifier: GPL-2.0
/*
 * park.c - moving out of a switch's way the tasks that can move.
 *
 * Every pre-check pass of a switch notes each task it finds inside changed
 * code, with the time it was first seen there (inway.c).  A task is moved
 * only when all of these hold, for every task then in the way:
 *
 *  - it has stood in changed code for signal_after seconds: one that
 *    leaves by itself before that sees nothing at all;
 *  - it is a user task (not a kthread, an io_uring/io-wq worker or
 *    another user worker, which run task_work inside the kernel), asleep
 *    interruptibly (freezable sleeps included), its trace reliable;
 *  - its moving never found it still inside changed code before.
 *
 * Moving one means queuing a task_work with TWA_SIGNAL: the task wakes as
 * a signal would wake it, its system call unwinds with -ERESTARTSYS (or
 * with whatever the code it slept in makes of an interrupted wait), and
 * the task_work runs before the task returns to user mode.  There the task
 * first checks that none of its own frames stands in changed code (else
 * it gives up: that task is waited for from then on), then waits, killable
 * and freezable, until the switcher releases it: right after the step is
 * taken or refused, never for another task's sake.
 *
 * If one task in the way cannot be moved, none is: moving the others
 * would interrupt them for nothing.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/task_work.h>
#include <linux/wait.h>
#include "compat.h"
#include "core.h"
#include "inway.h"
#include "park.h"
#include "trace.h"

/* Parked tasks wait here for their release; the switcher for arrivals. */
static DECLARE_WAIT_QUEUE_HEAD(klpx_park_wq);

static void klpx_park_put(struct klpx_park *park)
{
	if (refcount_dec_and_test(&park->refs))
		kfree(park);
}

/*
 * Runs in the moved task before it returns to user mode, normally with no
 * kernel function of its own left on its stack: check that, then wait
 * there until the step is taken or refused.
 */
static void klpx_park_fn(struct callback_head *work)
{
	struct klpx_park *park = container_of(work, struct klpx_park, work);
	unsigned int nr;
	int arrived;

	nr = stack_trace_save(park->entries, ARRAY_SIZE(park->entries), 0);
	if (nr == ARRAY_SIZE(park->entries) ||
	    klpx_switch_hit(park->sw, park->entries, nr) >= 0)
		arrived = KLPX_PARK_GAVE_UP;
	else
		arrived = KLPX_PARK_PARKED;
	/* Pairs with smp_load_acquire() in klpx_park_arrived(). */
	smp_store_release(&park->arrived, arrived);
	wake_up_all(&klpx_park_wq);
	if (arrived == KLPX_PARK_PARKED)
		wait_event_state(klpx_park_wq, READ_ONCE(park->released),
				 (TASK_KILLABLE | TASK_FREEZABLE));
	klpx_park_put(park);
}

/* Queue the parking of one task; false when it cannot be moved. */
static bool klpx_inway_park(struct klpx_inway_set *set, struct klpx_inway *w)
{
	char buf[KSYM_SYMBOL_LEN];
	struct klpx_park *park;

	park = kzalloc(sizeof(*park), GFP_KERNEL);
	if (!park)
		return false;
	init_task_work(&park->work, klpx_park_fn);
	/* One for the switcher, one for the task_work. */
	refcount_set(&park->refs, 2);
	park->sw = set->sw;
	if (task_work_add(w->task, &park->work, TWA_SIGNAL)) {
		/* It is exiting: it leaves by itself. */
		kfree(park);
		return false;
	}
	trace_klpx_switch_move(set->patch, w->seen.comm, w->seen.pid,
			       klpx_inway_func(set, w, buf, sizeof(buf)));
	spin_lock(&klpx_inway_lock);
	w->park = park;
	w->moved_at = jiffies;
	spin_unlock(&klpx_inway_lock);
	return true;
}

static bool klpx_inway_all_arrived(struct klpx_inway_set *set)
{
	struct klpx_inway *w;

	list_for_each_entry(w, &set->tasks, node)
		if (w->park && klpx_park_arrived(w->park) == KLPX_PARK_ON_WAY)
			return false;
	return true;
}

/**
 * klpx_inway_move() - move out every task the last pass found
 * @set:	the switch's set
 *
 * Queues their parking and waits, for up to KLPX_PARK_ARRIVE_MS, until
 * each has reached it.  A task whose parking found it still inside
 * changed code is never moved again in this switch.
 *
 * Context: klpx_mutex held; sleeps.
 * Return: how many tasks are parked now.
 */
unsigned int klpx_inway_move(struct klpx_inway_set *set)
{
	struct klpx_inway *w;
	unsigned int parked = 0;

	list_for_each_entry(w, &set->tasks, node)
		if (w->pass == set->pass)
			klpx_inway_park(set, w);
	wait_event_timeout(klpx_park_wq, klpx_inway_all_arrived(set),
			   msecs_to_jiffies(KLPX_PARK_ARRIVE_MS));
	list_for_each_entry(w, &set->tasks, node) {
		if (!w->park)
			continue;
		switch (klpx_park_arrived(w->park)) {
		case KLPX_PARK_PARKED:
			parked++;
			break;
		case KLPX_PARK_GAVE_UP:
			pr_info("'%s': task %s (pid %d) runs task_work inside changed code: waiting for it instead\n",
				set->patch, w->seen.comm, w->seen.pid);
			w->stuck = true;
			break;
		}
	}
	return parked;
}

/**
 * klpx_inway_release() - let every parked task go
 * @set:	the switch's set
 *
 * Called as soon as the step is taken or refused.  A task that has not
 * begun its parking yet never will.
 *
 * Context: klpx_mutex held; sleeps (only while a moved task is in the
 * middle of checking its own stack).
 */
void klpx_inway_release(struct klpx_inway_set *set)
{
	struct klpx_inway *w;
	struct klpx_park *park;

	list_for_each_entry(w, &set->tasks, node)
		if (w->park)
			WRITE_ONCE(w->park->released, true);
	wake_up_all(&klpx_park_wq);
	list_for_each_entry(w, &set->tasks, node) {
		park = w->park;
		if (!park)
			continue;
		if (task_work_cancel(w->task, &park->work))
			/* Never ran: the task's reference is ours too. */
			klpx_park_put(park);
		else
			/* Its check of the plan is short and never sleeps. */
			wait_event(klpx_park_wq, klpx_park_arrived(park) !=
				   KLPX_PARK_ON_WAY);
		spin_lock(&klpx_inway_lock);
		w->park = NULL;
		spin_unlock(&klpx_inway_lock);
		klpx_park_put(park);
	}
}

/**
 * klpx_inway_pause() - an attempt is over, the switch is not
 * @set:	the switch's set
 *
 * Releases every parked task and forgets the attempt's plan; the tasks in
 * the way stay noted, with the time each was first seen, for the next
 * attempt.
 *
 * Context: klpx_mutex held (dropped after it until the next attempt's
 * klpx_inway_begin()); sleeps.
 */
void klpx_inway_pause(struct klpx_inway_set *set)
{
	klpx_inway_release(set);
	spin_lock(&klpx_inway_lock);
	set->sw = NULL;
	spin_unlock(&klpx_inway_lock);
}

/**
 * klpx_inway_end() - the switch is over: release and forget every task
 * @set:	the switch's set
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_inway_end(struct klpx_inway_set *set)
{
	klpx_inway_release(set);
	klpx_inway_forget(set);
}

/**
 * klpx_inway_set_free() - forget a set of klpx_inway_set_new()
 * @set:	the set, its switch over (klpx_inway_end()), or NULL
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_inway_set_free(struct klpx_inway_set *set)
{
	if (!set)
		return;
	klpx_inway_end(set);
	kfree(set);
}
