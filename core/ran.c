// SPDX-License-Identifier: GPL-2.0
/*
 * ran.c - which tasks may have run since the pre-check looked at them.
 *
 * The stop re-walks only the tasks whose stacks may have changed since
 * the pre-check cleared them.  A task that runs is switched out again
 * before the stop can begin (the stoppers take every CPU), so a probe on
 * the sched_switch tracepoint that notes each task switched out ("prev")
 * sees every task that ran between the start of the pre-check and the
 * stop, including tasks created meanwhile; a task that never ran since
 * stands where the pre-check saw it.  Tasks the pre-check skipped because
 * they were on a CPU are noted too, whatever the probe saw.
 *
 * Each CPU notes into its own bounded list, under its own raw spinlock
 * (the probe runs with the runqueue locked and interrupts off); a full
 * list makes the stop walk every task, as if nothing was noted.
 */
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>
#include <linux/klpx.h>
#include <trace/events/sched.h>
#include "ran.h"

/* Not exported: the tracepoint itself (see kallsyms.c). */
KLPX_SYMBOLS(vmlinux, KLPX_SYMPOS(__tracepoint_sched_switch, 0));

#define KLPX_RAN_MAX	256

/**
 * struct klpx_ran - tasks switched out on one CPU since the last reset
 * @lock:	guards the rest
 * @nr:		number of @tasks
 * @full:	a task did not fit: the stop walks every task
 * @tasks:	referenced tasks, possibly several times each
 */
struct klpx_ran {
	raw_spinlock_t lock;
	unsigned int nr;
	bool full;
	struct task_struct *tasks[KLPX_RAN_MAX];
};

static DEFINE_PER_CPU(struct klpx_ran, klpx_ran);

/* The probe is registered while klpx_ran_armed; under klpx_mutex. */
static bool klpx_ran_armed;

static void klpx_ran_note(struct klpx_ran *ran, struct task_struct *t)
{
	if (ran->nr && ran->tasks[ran->nr - 1] == t)
		return;
	if (ran->nr == KLPX_RAN_MAX) {
		ran->full = true;
		return;
	}
	get_task_struct(t);
	ran->tasks[ran->nr++] = t;
}

static void klpx_ran_probe(void *data, bool preempt, struct task_struct *prev,
			   struct task_struct *next, unsigned int prev_state)
{
	struct klpx_ran *ran = this_cpu_ptr(&klpx_ran);

	/* Idle tasks are always walked. */
	if (is_idle_task(prev))
		return;
	raw_spin_lock(&ran->lock);
	klpx_ran_note(ran, prev);
	raw_spin_unlock(&ran->lock);
}

/* Forget what every CPU noted, a few references dropped at a time. */
static void klpx_ran_clear(void)
{
	struct task_struct *put[16];
	struct klpx_ran *ran;
	unsigned long flags;
	unsigned int n, i;
	int cpu;

	for_each_possible_cpu(cpu) {
		ran = per_cpu_ptr(&klpx_ran, cpu);
		do {
			raw_spin_lock_irqsave(&ran->lock, flags);
			n = min_t(unsigned int, ran->nr, ARRAY_SIZE(put));
			ran->nr -= n;
			memcpy(put, &ran->tasks[ran->nr], n * sizeof(*put));
			if (!ran->nr)
				ran->full = false;
			raw_spin_unlock_irqrestore(&ran->lock, flags);
			for (i = 0; i < n; i++)
				put_task_struct(put[i]);
		} while (n);
	}
}

/**
 * klpx_ran_arm() - start noting the tasks that run
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0, or the errno of tracepoint_probe_register() (the stop then
 * walks every task).
 */
int klpx_ran_arm(void)
{
	int cpu, ret;

	for_each_possible_cpu(cpu)
		raw_spin_lock_init(&per_cpu_ptr(&klpx_ran, cpu)->lock);
	ret = register_trace_sched_switch(klpx_ran_probe, NULL);
	if (ret)
		return ret;
	/* Every CPU runs the probe at its next switch from now on. */
	synchronize_rcu();
	klpx_ran_armed = true;
	return 0;
}

/**
 * klpx_ran_reset() - a pre-check pass begins: note from now on
 *
 * Context: klpx_mutex held.
 */
void klpx_ran_reset(void)
{
	if (klpx_ran_armed)
		klpx_ran_clear();
}

/**
 * klpx_ran_note_running() - the pre-check skipped @t, on a CPU then
 * @t:	the task
 *
 * Context: klpx_mutex held; @t pinned by task_call_func().
 */
void klpx_ran_note_running(struct task_struct *t)
{
	struct klpx_ran *ran = raw_cpu_ptr(&klpx_ran);
	unsigned long flags;

	raw_spin_lock_irqsave(&ran->lock, flags);
	klpx_ran_note(ran, t);
	raw_spin_unlock_irqrestore(&ran->lock, flags);
}

/**
 * klpx_ran_for_each() - call @fn on every task noted since the reset
 * @fn:		stops the walk by returning true
 * @arg:	its argument
 *
 * Context: inside stop_machine(): nothing notes meanwhile.
 * Return: -ENOSPC when a CPU's list overflowed or nothing was armed (the
 * caller must walk every task); else 1 when @fn stopped the walk, 0.
 */
int klpx_ran_for_each(bool (*fn)(struct task_struct *t, void *arg), void *arg)
{
	struct klpx_ran *ran;
	unsigned int i;
	int cpu;

	if (!klpx_ran_armed)
		return -ENOSPC;
	for_each_possible_cpu(cpu)
		if (per_cpu_ptr(&klpx_ran, cpu)->full)
			return -ENOSPC;
	for_each_possible_cpu(cpu) {
		ran = per_cpu_ptr(&klpx_ran, cpu);
		for (i = 0; i < ran->nr; i++)
			if (fn(ran->tasks[i], arg))
				return 1;
	}
	return 0;
}

/**
 * klpx_ran_disarm() - stop noting, forget every task noted
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_ran_disarm(void)
{
	if (!klpx_ran_armed)
		return;
	unregister_trace_sched_switch(klpx_ran_probe, NULL);
	/*
	 * The probe runs with preemption off (the scheduler calls it): after
	 * a grace period none runs any more, nothing notes after the clear.
	 */
	synchronize_rcu();
	klpx_ran_armed = false;
	klpx_ran_clear();
}
