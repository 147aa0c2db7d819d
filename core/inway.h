/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tasks in a switch's way, which inway.c notes, forgets and shows:
 * what switch.c and debugfs.c call, then what only park.c, which moves
 * such tasks out (park.h), shares with inway.c.  park.c calls inway.c,
 * never the other way.
 */
#ifndef _KLPX_CORE_INWAY_H
#define _KLPX_CORE_INWAY_H

#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include "plan.h"

struct seq_file;

/**
 * struct klpx_busy - a task found inside code a switch changes
 * @comm:	its name
 * @pid:	its pid
 * @range:	index in the plan's ranges it stands in; -1 when its stack
 *		could not be walked reliably
 * @error:	what the unwinder said in that case
 * @state:	its scheduler state when it was looked at
 * @state_char:	the same as ps shows it
 * @movable:	a user task asleep interruptibly, reliably inside changed
 *		code: a task_work with TWA_SIGNAL brings it back to user
 *		mode before it runs any other kernel code
 */
struct klpx_busy {
	char comm[TASK_COMM_LEN];
	pid_t pid;
	int range;
	int error;
	unsigned int state;
	char state_char;
	bool movable;
};

/* inway.c: who is in the way of a switch */
struct klpx_inway_set *klpx_inway_main_set(void);
void klpx_inway_begin(struct klpx_inway_set *set,
		      const struct klpx_switch *sw, const char *patch);
void klpx_inway_begin_pass(struct klpx_inway_set *set);
void klpx_inway_note(struct klpx_inway_set *set, struct task_struct *t,
		     const struct klpx_busy *seen);
void klpx_inway_end_pass(struct klpx_inway_set *set);
bool klpx_inway_ready_to_move(struct klpx_inway_set *set);
int klpx_inway_show(struct seq_file *m);

/* The rest is shared by inway.c and park.c only. */

/* How long the moved tasks have to reach their parking place. */
#define KLPX_PARK_ARRIVE_MS	2000
#define KLPX_PARK_ENTRIES	64

enum klpx_park_arrival {
	KLPX_PARK_ON_WAY,
	KLPX_PARK_PARKED,
	KLPX_PARK_GAVE_UP,
};

/**
 * struct klpx_park - one task moved out for one step
 * @work:	queued on the task with TWA_SIGNAL
 * @refs:	the switcher's and, once the work runs, the task's
 * @sw:		the plan; only read before @arrived is set
 * @arrived:	enum klpx_park_arrival, set by the task
 * @released:	set by the switcher: the step was taken or refused
 * @entries:	the task's own stack, checked by the task
 */
struct klpx_park {
	struct callback_head work;
	refcount_t refs;
	const struct klpx_switch *sw;
	int arrived;
	bool released;
	unsigned long entries[KLPX_PARK_ENTRIES];
};

/**
 * struct klpx_inway - a task found inside changed code
 * @node:	entry in its set's @tasks
 * @task:	the task, referenced
 * @seen:	what the last pre-check pass saw
 * @func:	the start of the changed function it stood in then (the plan
 *		that names it may be gone between a teardown's attempts)
 * @first_seen:	jiffies when a pass first found it in the way
 * @moved_at:	jiffies when it was last moved out, 0 before
 * @pass:	the last pass that found it
 * @stuck:	its moving found it inside changed code: wait for it
 * @park:	its parking for the step in progress, or NULL
 */
struct klpx_inway {
	struct list_head node;
	struct task_struct *task;
	struct klpx_busy seen;
	unsigned long func;
	unsigned long first_seen;
	unsigned long moved_at;
	unsigned int pass;
	bool stuck;
	struct klpx_park *park;
};

/**
 * struct klpx_inway_set - the tasks in the way of one switch
 * @node:	entry in klpx_inway_sets
 * @tasks:	struct klpx_inway entries
 * @sw:		the plan of the attempt in progress, NULL between attempts
 * @patch:	the name of its patch, for the log and debugfs
 * @since:	jiffies when the switch began (its first attempt)
 * @started:	@since is set
 * @pass:	the pass in progress
 * @untracked:	that pass saw a task it could not note
 */
struct klpx_inway_set {
	struct list_head node;
	struct list_head tasks;
	const struct klpx_switch *sw;
	const char *patch;
	unsigned long since;
	bool started;
	unsigned int pass;
	bool untracked;
};

/*
 * Guards klpx_inway_sets and, in each set, @tasks, their entries, @sw,
 * @patch, @since and @pass against the debugfs reader; the klpx_mutex
 * holder is the only writer.
 */
extern spinlock_t klpx_inway_lock;

static inline int klpx_park_arrived(struct klpx_park *park)
{
	/* Pairs with smp_store_release() in klpx_park_fn(). */
	return smp_load_acquire(&park->arrived);
}

const char *klpx_inway_func(const struct klpx_inway_set *set,
			    const struct klpx_inway *w, char *buf, size_t len);
void klpx_inway_forget(struct klpx_inway_set *set);

#endif /* _KLPX_CORE_INWAY_H */
