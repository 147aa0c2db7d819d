// SPDX-License-Identifier: GPL-2.0
/*
 * inway.c - the tasks in a switch's way: noted by every pre-check pass,
 * forgotten once out of the way, shown in
 * /sys/kernel/debug/klpx/transition.  Moving them out is park.c's.
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
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "core.h"
#include "inway.h"

static unsigned int signal_after = 15;
module_param(signal_after, uint, 0644);
MODULE_PARM_DESC(signal_after,
		 "seconds a task stands in changed code before a switch moves it out");

/*
 * Guards klpx_inway_sets and, in each set, @tasks, their entries, @sw,
 * @patch, @since and @pass against the debugfs reader; the klpx_mutex
 * holder is the only writer.
 */
DEFINE_SPINLOCK(klpx_inway_lock);

/* The set of every switch that keeps klpx_mutex from start to end. */
static struct klpx_inway_set klpx_inway_main = {
	.node = LIST_HEAD_INIT(klpx_inway_main.node),
	.tasks = LIST_HEAD_INIT(klpx_inway_main.tasks),
};

/* Every set debugfs lists: the main one, and each teardown's. */
static LIST_HEAD(klpx_inway_sets);

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
const char *klpx_inway_func(const struct klpx_inway_set *set,
			    const struct klpx_inway *w, char *buf, size_t len)
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

/**
 * klpx_inway_forget() - forget every task of a set whose parkings are over
 * @set:	the switch's set, its parked tasks released (park.c)
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_inway_forget(struct klpx_inway_set *set)
{
	LIST_HEAD(gone);

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
