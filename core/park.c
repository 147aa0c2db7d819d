// SPDX-License-Identifier: GPL-2.0
/*
 * park.c - the tasks in a switch's way, and moving out those that can move.
 *
 * Every pre-check pass of a switch notes here each task it finds inside
 * changed code, with the time it was first seen there.  A task is moved
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
 *
 * The tasks in the way are noted in a set per switch: one set serves
 * every switch that ends before klpx_mutex is dropped; a teardown, which
 * drops klpx_mutex between its attempts, keeps a set of its own across
 * them, so that the time each task has stood in the way (and whether it
 * was found stuck) is its own, whatever other switches run meanwhile.
 * Only the klpx_mutex holder adds, changes and removes entries, and
 * reads them without a lock; it changes them under klpx_inway_lock, which
 * /sys/kernel/debug/klpx/transition takes to read every set.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/task_work.h>
#include <linux/wait.h>
#include "compat.h"
#include "core.h"
#include "switch.h"
#include "trace.h"

static unsigned int signal_after = 15;
module_param(signal_after, uint, 0644);
MODULE_PARM_DESC(signal_after,
		 "seconds a task stands in changed code before a switch moves it out");

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
static DEFINE_SPINLOCK(klpx_inway_lock);

/* The set of every switch that keeps klpx_mutex from start to end. */
static struct klpx_inway_set klpx_inway_main = {
	.node = LIST_HEAD_INIT(klpx_inway_main.node),
	.tasks = LIST_HEAD_INIT(klpx_inway_main.tasks),
};

/* Every set debugfs lists: the main one, and each teardown's. */
static LIST_HEAD(klpx_inway_sets);

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

static int klpx_park_arrived(struct klpx_park *park)
{
	/* Pairs with smp_store_release() in klpx_park_fn(). */
	return smp_load_acquire(&park->arrived);
}

static struct klpx_inway *klpx_inway_find(struct klpx_inway_set *set,
					  struct task_struct *t)
{
	struct klpx_inway *w;

	list_for_each_entry(w, &set->tasks, node)
		if (w->task == t)
			return w;
	return NULL;
}

/**
 * klpx_inway_main_set() - the set of a switch that keeps klpx_mutex
 *
 * Context: klpx_mutex held.
 * Return: the set; empty between switches.
 */
struct klpx_inway_set *klpx_inway_main_set(void)
{
	lockdep_assert_held(&klpx_mutex);
	return &klpx_inway_main;
}

/**
 * klpx_inway_set_new() - a set of its own, kept across attempts
 *
 * For a switch that drops klpx_mutex between attempts (a teardown).
 *
 * Context: klpx_mutex held; sleeps.
 * Return: the set, or NULL without memory.
 */
struct klpx_inway_set *klpx_inway_set_new(void)
{
	struct klpx_inway_set *set;

	lockdep_assert_held(&klpx_mutex);
	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return NULL;
	INIT_LIST_HEAD(&set->node);
	INIT_LIST_HEAD(&set->tasks);
	return set;
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

/**
 * klpx_inway_begin() - an attempt of a switch begins
 * @set:	the switch's set: empty for a new switch, or what its
 *		earlier attempts left
 * @sw:		the attempt's plan
 * @patch:	the name of its patch, for the log
 *
 * Context: klpx_mutex held.
 */
void klpx_inway_begin(struct klpx_inway_set *set,
		      const struct klpx_switch *sw, const char *patch)
{
	spin_lock(&klpx_inway_lock);
	set->sw = sw;
	set->patch = patch;
	/*
	 * What an earlier attempt saw indexes that attempt's plan: no entry
	 * counts as seen by this one before its first pass.
	 */
	set->pass++;
	if (!set->started) {
		set->since = jiffies;
		set->started = true;
	}
	if (list_empty(&set->node))
		list_add_tail(&set->node, &klpx_inway_sets);
	spin_unlock(&klpx_inway_lock);
}

/**
 * klpx_inway_begin_pass() - a pre-check pass over every task begins
 * @set:	the switch's set
 *
 * Context: klpx_mutex held.
 */
void klpx_inway_begin_pass(struct klpx_inway_set *set)
{
	spin_lock(&klpx_inway_lock);
	set->pass++;
	spin_unlock(&klpx_inway_lock);
	set->untracked = false;
}

/**
 * klpx_inway_note() - the pass found a task inside changed code
 * @set:	the switch's set
 * @t:		the task
 * @seen:	what the pass saw
 *
 * Context: klpx_mutex held; under rcu_read_lock() (allocates atomically:
 * a task it cannot note makes this pass move no task).
 */
void klpx_inway_note(struct klpx_inway_set *set, struct task_struct *t,
		     const struct klpx_busy *seen)
{
	struct klpx_inway *w = klpx_inway_find(set, t);
	bool new = !w;

	if (new) {
		w = kzalloc(sizeof(*w), GFP_ATOMIC);
		if (!w) {
			set->untracked = true;
			return;
		}
		get_task_struct(t);
		w->task = t;
		w->first_seen = jiffies;
	}
	spin_lock(&klpx_inway_lock);
	w->seen = *seen;
	w->func = seen->range >= 0 ? set->sw->ranges[seen->range].start : 0;
	w->pass = set->pass;
	if (new)
		list_add_tail(&w->node, &set->tasks);
	spin_unlock(&klpx_inway_lock);
}

static void klpx_inway_free(struct list_head *gone)
{
	struct klpx_inway *w, *tmp;

	list_for_each_entry_safe(w, tmp, gone, node) {
		list_del(&w->node);
		put_task_struct(w->task);
		kfree(w);
	}
}

/**
 * klpx_inway_end_pass() - forget the tasks the pass no longer found
 * @set:	the switch's set
 *
 * A task out of the way now is forgotten, unless it is parked for the
 * step about to be taken: its first-seen time starts again if it comes
 * back later.
 *
 * Context: klpx_mutex held.
 */
void klpx_inway_end_pass(struct klpx_inway_set *set)
{
	struct klpx_inway *w, *tmp;
	LIST_HEAD(gone);

	spin_lock(&klpx_inway_lock);
	list_for_each_entry_safe(w, tmp, &set->tasks, node)
		if (w->pass != set->pass && !w->park)
			list_move(&w->node, &gone);
	spin_unlock(&klpx_inway_lock);
	klpx_inway_free(&gone);
}

/**
 * klpx_inway_ready_to_move() - may the tasks in the way be moved now?
 * @set:	the switch's set
 *
 * Context: klpx_mutex held, after a pass that found tasks in the way.
 * Return: true when every task the last pass found can be moved and has
 * stood in changed code for signal_after seconds.
 */
bool klpx_inway_ready_to_move(struct klpx_inway_set *set)
{
	unsigned long after = READ_ONCE(signal_after) * HZ;
	struct klpx_inway *w;
	bool any = false;

	if (set->untracked)
		return false;
	list_for_each_entry(w, &set->tasks, node) {
		if (w->pass != set->pass)
			continue;
		if (!w->seen.movable || w->stuck || w->park ||
		    time_before(jiffies, w->first_seen + after))
			return false;
		any = true;
	}
	return any;
}

/*
 * The function @w stood in: by the plan's name while the pass that saw it
 * is the plan's, else by the symbol at its start.
 */
static const char *klpx_inway_func(const struct klpx_inway_set *set,
				   const struct klpx_inway *w, char *buf,
				   size_t len)
{
	const struct klpx_range *r;

	/* One word, for debugfs's func= field. */
	if (w->seen.range < 0) {
		snprintf(buf, len, "?unreliable:%d", w->seen.error);
		return buf;
	}
	if (!w->func)
		return "?";
	if (set->sw && w->pass == set->pass) {
		r = &set->sw->ranges[w->seen.range];
		if (r->name)
			return r->name;
	}
	snprintf(buf, len, "%ps", (void *)w->func);
	/* One word: the symbol without the " [module]" after it. */
	buf[strcspn(buf, " ")] = '\0';
	return buf;
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
	LIST_HEAD(gone);

	klpx_inway_release(set);
	spin_lock(&klpx_inway_lock);
	list_splice_init(&set->tasks, &gone);
	set->sw = NULL;
	set->patch = NULL;
	set->started = false;
	if (!list_empty(&set->node))
		list_del_init(&set->node);
	spin_unlock(&klpx_inway_lock);
	klpx_inway_free(&gone);
}

/* Milliseconds from the start of the switch to @t, as seconds. */
static void klpx_inway_show_time(struct seq_file *m,
				 const struct klpx_inway_set *set,
				 const char *what, unsigned long t)
{
	unsigned int ms = jiffies_to_msecs(t - set->since);

	seq_printf(m, " action=%s=%u.%03u", what, ms / 1000, ms % 1000);
}

/**
 * klpx_inway_show() - /sys/kernel/debug/klpx/transition
 * @m:	the file
 *
 * One line per task in the way of a switch in progress (or of a teardown
 * between its attempts):
 * pid=<pid> comm=<comm> state=<state> func=<name>
 * action=<waiting|signal-at=<s>|moved> patch=<patch>, signal-at counting
 * seconds from the start of the switch: when the task will be (or was)
 * interrupted.  <name> is one word: "?unreliable:<errno>" for a stack
 * that cannot be walked reliably.
 *
 * Context: process context; takes klpx_inway_lock.
 * Return: 0.
 */
int klpx_inway_show(struct seq_file *m)
{
	unsigned long after = READ_ONCE(signal_after) * HZ;
	char buf[KSYM_SYMBOL_LEN];
	struct klpx_inway_set *set;
	struct klpx_inway *w;

	spin_lock(&klpx_inway_lock);
	list_for_each_entry(set, &klpx_inway_sets, node) {
		list_for_each_entry(w, &set->tasks, node) {
			seq_printf(m, "pid=%d comm=%s state=%c func=%s",
				   w->seen.pid, w->seen.comm,
				   w->seen.state_char,
				   klpx_inway_func(set, w, buf, sizeof(buf)));
			if (w->park &&
			    klpx_park_arrived(w->park) == KLPX_PARK_PARKED)
				seq_puts(m, " action=moved");
			else if (w->park)
				klpx_inway_show_time(m, set, "signal-at",
						     w->moved_at);
			else if (w->seen.movable && !w->stuck)
				klpx_inway_show_time(m, set, "signal-at",
						     w->first_seen + after);
			else
				seq_puts(m, " action=waiting");
			seq_printf(m, " patch=%s\n", set->patch ?: "?");
		}
	}
	spin_unlock(&klpx_inway_lock);
	return 0;
}
