// SPDX-License-Identifier: GPL-2.0
/*
 * switch.c - change every function of a step at once, and only when no
 * task is inside one of them.
 *
 * The step runs inside stop_machine(): every CPU is held in the stopper
 * with interrupts off, so no task runs and none can enter or leave a
 * function while we look.  The activeness check walks the stack of every
 * task (and of every CPU's idle task) with the kernel's reliable unwinder;
 * a task with a return address, or a stopped instruction pointer, inside
 * any implementation of an address the step changes makes the step
 * refuse.  A stack that cannot be walked reliably counts as busy: we could
 * not prove the task is elsewhere.  Only then are the stacks updated, all
 * in the same stop, so that no task ever sees some functions of the step
 * switched and others not.
 *
 * A refused step is retried a bounded number of times, sleeping in
 * between so that the busy task can leave; then the switch fails with
 * -EBUSY and a log line naming a task and a function.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/delay.h>
#include <linux/sched/signal.h>
#include <linux/stop_machine.h>
#include <linux/string.h>
#include "core.h"

#define KLPX_SWITCH_TRIES	20
#define KLPX_SWITCH_RETRY_MS	50
#define KLPX_STACK_ENTRIES	128

/**
 * struct klpx_switch_ctx - one switch, handed to the stopped CPUs
 * @sw:		the plan
 * @comm:	the busy task's name, for the log
 * @pid:	the busy task's pid
 * @range:	index in @sw->ranges the busy task stands in; -1 when its
 *		stack could not be walked reliably
 * @error:	what the unwinder said in that case
 */
struct klpx_switch_ctx {
	struct klpx_switch *sw;
	char comm[TASK_COMM_LEN];
	pid_t pid;
	int range;
	int error;
};

/*
 * Room for one stack trace.  Only the CPU that runs the step inside
 * stop_machine() uses it, on behalf of the klpx_mutex holder.
 */
static unsigned long klpx_stack_entries[KLPX_STACK_ENTRIES];

static bool klpx_task_busy(struct klpx_switch_ctx *ctx,
			   struct task_struct *task)
{
	int nr;

	nr = klpx_stack_trace_reliable(task, klpx_stack_entries,
				       ARRAY_SIZE(klpx_stack_entries));
	if (nr < 0) {
		ctx->range = -1;
		ctx->error = nr;
	} else {
		ctx->range = klpx_switch_hit(ctx->sw, klpx_stack_entries, nr);
		if (ctx->range < 0)
			return false;
	}
	/* The task cannot run: its name is stable. */
	strscpy(ctx->comm, task->comm, sizeof(ctx->comm));
	ctx->pid = task_pid_nr(task);
	return true;
}

static bool klpx_tasks_busy(struct klpx_switch_ctx *ctx)
{
	struct task_struct *g, *t;
	bool busy = false;
	int cpu;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		/*
		 * The only tasks on a CPU now are the stoppers: this one
		 * (current) and the others, spinning in the stop loop.
		 * Their stacks cannot be walked while they run, and they
		 * are not in patchable code.
		 */
		if (t == current || READ_ONCE(t->on_cpu))
			continue;
		if (klpx_task_busy(ctx, t)) {
			busy = true;
			goto out;
		}
	}
	for_each_online_cpu(cpu) {
		t = klpx_idle_task(cpu);
		if (!t || READ_ONCE(t->on_cpu))
			continue;
		if (klpx_task_busy(ctx, t)) {
			busy = true;
			goto out;
		}
	}
out:
	rcu_read_unlock();
	return busy;
}

/* Runs on one CPU inside stop_machine(); the others wait with IRQs off. */
static int klpx_switch_step(void *data)
{
	struct klpx_switch_ctx *ctx = data;

	if (ctx->sw->check && klpx_tasks_busy(ctx))
		return -EBUSY;
	klpx_switch_apply(ctx->sw);
	return 0;
}

static void klpx_switch_report(struct klpx_switch_ctx *ctx, const char *who)
{
	const struct klpx_range *r;

	if (ctx->range < 0) {
		pr_err("'%s': cannot switch: the stack of task %s (pid %d) cannot be walked reliably (%d); gave up after %d tries\n",
		       who, ctx->comm, ctx->pid, ctx->error, KLPX_SWITCH_TRIES);
		return;
	}
	r = &ctx->sw->ranges[ctx->range];
	if (r->name)
		pr_err("'%s': cannot switch: task %s (pid %d) is inside %s; gave up after %d tries\n",
		       who, ctx->comm, ctx->pid, r->name, KLPX_SWITCH_TRIES);
	else
		pr_err("'%s': cannot switch: task %s (pid %d) is inside %ps; gave up after %d tries\n",
		       who, ctx->comm, ctx->pid, (void *)r->start,
		       KLPX_SWITCH_TRIES);
}

/**
 * klpx_switch_run() - carry out a plan in one consistent step
 * @sw:		the plan
 * @who:	the patch name, for the log
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0 when the stacks changed; -EBUSY (logged) when a task stayed
 * inside changed code through every try; another errno from
 * stop_machine().  On failure the stacks are as they were.
 */
int klpx_switch_run(struct klpx_switch *sw, const char *who)
{
	struct klpx_switch_ctx ctx = { .sw = sw };
	int ret, try;

	lockdep_assert_held(&klpx_mutex);

	for (try = 1; ; try++) {
		ret = stop_machine(klpx_switch_step, &ctx, NULL);
		if (ret != -EBUSY || try == KLPX_SWITCH_TRIES)
			break;
		msleep(KLPX_SWITCH_RETRY_MS);
	}
	if (ret == -EBUSY)
		klpx_switch_report(&ctx, who);
	else if (ret)
		pr_err("'%s': cannot switch: %d\n", who, ret);
	return ret;
}
