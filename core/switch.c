// SPDX-License-Identifier: GPL-2.0
/*
 * switch.c - change every function of a step at once, and only when no
 * task is inside one of them.
 *
 * The step itself runs inside stop_machine(): every CPU is held in the
 * stopper with interrupts off, so no task runs and none can enter or
 * leave a function while the stacks are looked at and the redirection
 * stacks change.  No task ever runs a mix of old and new functions of one
 * step.
 *
 * To keep the machine stopped for one pass only, the waiting happens
 * before, with the machine running: a pre-check walks every task's stack
 * (each pinned by task_call_func()) and notes the tasks it finds inside
 * code the step changes (park.c).  Those that leave by themselves are
 * never disturbed.  When every task still in the way has stood there for
 * signal_after seconds and can be moved (a user task asleep
 * interruptibly), they are all moved out at once: a task_work queued with
 * TWA_SIGNAL wakes each as a signal would; its system call unwinds, and
 * on its way back to user mode the task_work holds it, outside any kernel
 * function, until the step is taken or refused.  Anything else (a
 * kthread, an io_uring or other user worker, an uninterruptible sleep, a
 * running task) is waited for.
 *
 * When the pre-check finds nothing, stop_machine() confirms it in one
 * pass over all tasks and switches.  Should a task have entered the code
 * in between, the step is refused and the pre-check runs again.  After
 * switch_timeout seconds the switch gives up with -EBUSY, naming a task
 * and a function; every few seconds meanwhile the log names who it waits
 * for, /sys/kernel/klpx/<patch>/transition reads 1 and
 * /sys/kernel/debug/klpx/transition lists the tasks in the way.
 *
 * The task asking for the switch is checked like every other task.  When
 * its own frames stand in changed code, it would wait for itself:
 * klpx_switch_run() says so (-EINPROGRESS) before anything happens, and
 * the caller leaves the step to the task's return to user mode (defer.c).
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/stop_machine.h>
#include <linux/string.h>
#include <linux/task_work.h>
#include <linux/timekeeping.h>
#include "compat.h"
#include "core.h"
#include "inway.h"
#include "park.h"
#include "ran.h"
#include "stacks.h"
#include "trace.h"

#ifndef CONFIG_HAVE_RELIABLE_STACKTRACE
#error "klpx proves a switch safe with reliable stack traces: this kernel has none"
#endif

/*
 * Not exported; see kallsyms.c.  Stacks are walked by stacks.c, with the
 * kernel's own reliable unwinder, to their real end.  idle_task(): idle
 * tasks are on no task list, yet they sleep in code too.
 */
KLPX_SYMBOLS(vmlinux,
	     KLPX_SYMPOS(task_call_func, 0),
	     KLPX_SYMPOS(task_work_cancel, 0),
	     KLPX_SYMPOS(idle_task, 0));

static unsigned int switch_timeout = 60;
module_param(switch_timeout, uint, 0644);
MODULE_PARM_DESC(switch_timeout,
		 "seconds a switch waits for tasks to leave the code it changes");

#define KLPX_STACK_ENTRIES	128
#define KLPX_SWITCH_RETRY_MS	10
#define KLPX_SWITCH_REPORT_SECS	5

/**
 * struct klpx_switch_ctx - one switch
 * @sw:		the plan
 * @self:	the asking task, once its own stack was found clean: the
 *		stop walks it again, for the frames of its own wait
 * @asking:	the asking task, checked by itself or (a teardown) not at all
 * @inway:	the tasks in its way: its own, or its teardown's (kept across
 *		the teardown's attempts)
 * @seen:	the last task found inside changed code
 * @busy:	the last one of them that had to be waited for
 */
struct klpx_switch_ctx {
	struct klpx_switch *sw;
	struct task_struct *self;
	struct task_struct *asking;
	struct klpx_inway_set *inway;
	struct klpx_busy seen;
	struct klpx_busy busy;
};

/* What it asks the lifecycle; set once at init, before any patch. */
static const struct klpx_switch_ops *klpx_switch_ops;

/**
 * klpx_switch_set_ops() - register what the switch asks of the lifecycle
 * @ops:	the teardowns and deferred steps in progress
 *
 * Context: klpx's init, before any patch can be enabled.
 */
void klpx_switch_set_ops(const struct klpx_switch_ops *ops)
{
	klpx_switch_ops = ops;
}

/*
 * Where the asking task stood when klpx_switch_run() last answered
 * -EINPROGRESS, for klpx_defer_queue(); guarded by klpx_mutex.
 */
static char klpx_self_where[KSYM_SYMBOL_LEN];

/*
 * Room for one stack trace.  Only the klpx_mutex holder uses it: from its
 * own context in the pre-check, from the CPU that runs the step inside
 * stop_machine() on its behalf.
 */
static unsigned long klpx_stack_entries[KLPX_STACK_ENTRIES];

/* Is @t, which cannot run, inside code the switch changes? */
static bool klpx_task_busy(struct klpx_switch_ctx *ctx, struct task_struct *t)
{
	int nr, range;

	nr = klpx_stack_walk(t, klpx_stack_entries,
			     ARRAY_SIZE(klpx_stack_entries));
	if (nr < 0) {
		range = -1;
	} else {
		range = klpx_switch_hit(ctx->sw, klpx_stack_entries, nr);
		if (range < 0)
			return false;
	}
	ctx->seen.range = range;
	ctx->seen.error = nr < 0 ? nr : 0;
	strscpy(ctx->seen.comm, t->comm, sizeof(ctx->seen.comm));
	ctx->seen.pid = task_pid_nr(t);
	return true;
}

/* ---- the pre-check, with the machine running ------------------------- */

/*
 * task_call_func() callback: @t cannot start running while we look.  Its
 * state is read here, where it cannot change: a sleeper woken since is
 * not taken for one.
 */
static int klpx_precheck_task(struct task_struct *t, void *arg)
{
	struct klpx_switch_ctx *ctx = arg;
	unsigned int state;

	/* Running now, on another CPU: the step inside the stop will see. */
	if (READ_ONCE(t->on_cpu))
		return -EAGAIN;
	if (!klpx_task_busy(ctx, t))
		return 0;
	state = READ_ONCE(t->__state);
	ctx->seen.state = state;
	ctx->seen.state_char = task_state_to_char(t);
	ctx->seen.movable = ctx->seen.range >= 0 &&
			    (state & TASK_INTERRUPTIBLE) &&
			    !(t->flags & (PF_KTHREAD | KLPX_PF_WORKERS |
					  PF_EXITING));
	return -EBUSY;
}

/*
 * Walk every task, noting those inside changed code.  Return: how many
 * tasks stand in the way now (ctx->busy names the last one).
 */
static unsigned int klpx_precheck(struct klpx_switch_ctx *ctx)
{
	struct task_struct *g, *t;
	unsigned int busy = 0;
	int ret;

	klpx_inway_begin_pass(ctx->inway);
	klpx_ran_reset();
	rcu_read_lock();
	for_each_process_thread(g, t) {
		if (t == ctx->self || t == ctx->asking)
			continue;
		ret = task_call_func(t, klpx_precheck_task, ctx);
		if (ret == -EAGAIN)
			klpx_ran_note_running(t);
		if (ret != -EBUSY)
			continue;
		klpx_inway_note(ctx->inway, t, &ctx->seen);
		ctx->busy = ctx->seen;
		busy++;
	}
	rcu_read_unlock();
	klpx_inway_end_pass(ctx->inway);
	return busy;
}

/* ---- the step, inside stop_machine() -------------------------------- */

/*
 * The only tasks on a CPU during the stop are the stoppers: this one
 * (current) and the others, spinning in the stop loop.  Their stacks
 * cannot be walked while they run, and they are not in patchable code.
 * The asking task's own stack was walked, by itself, before the first
 * pass; it has been inside klpx_switch_run() since, its frames where
 * they were.  (Walked from here, a task preempted on its way into
 * stop_machine() may even be refused: a kretprobe's return trampoline
 * on its stack is resolved only for the task itself or a sleeping one.)
 */
static bool klpx_stop_task_busy(struct task_struct *t, void *arg)
{
	struct klpx_switch_ctx *ctx = arg;

	if (t == ctx->self || t == ctx->asking || t == current ||
	    READ_ONCE(t->on_cpu))
		return false;
	return klpx_task_busy(ctx, t);
}

/* Has @t kretprobe returns pending, each a trampoline on its stack? */
static bool klpx_task_has_rethooks(struct task_struct *t)
{
#ifdef CONFIG_RETHOOK
	return !llist_empty(&t->rethooks);
#else
	return false;
#endif
}

/*
 * The asking task's frames above those walked before the first pass are
 * klpx_switch_run()'s own waiting: stop_machine() and what it calls.  A
 * step that changes one of them would leave the asking task finishing an
 * old frame after it: refused, and waiting cannot change that.  The
 * asking task is mostly preempted here, on its way into the stop; the
 * unwinder resolves a kretprobe trampoline only for a task that is
 * current or asleep (else it warns), so with kretprobe returns pending it
 * is not walked.  A trace the unwinder cannot finish proves nothing
 * either way: those frames are klpx's and the stop's.
 */
static bool klpx_stop_self_busy(struct klpx_switch_ctx *ctx)
{
	struct task_struct *t = ctx->self;
	int nr;

	if (!t || t == current || READ_ONCE(t->on_cpu))
		return false;
	if (task_is_running(t) && klpx_task_has_rethooks(t))
		return false;
	nr = klpx_stack_walk(t, klpx_stack_entries,
			     ARRAY_SIZE(klpx_stack_entries));
	if (nr < 0)
		return false;
	ctx->seen.range = klpx_switch_hit(ctx->sw, klpx_stack_entries, nr);
	if (ctx->seen.range < 0)
		return false;
	ctx->seen.error = 0;
	strscpy(ctx->seen.comm, t->comm, sizeof(ctx->seen.comm));
	ctx->seen.pid = task_pid_nr(t);
	return true;
}

/*
 * Inside the stop, walk the tasks that may have run since the pre-check
 * cleared them (ran.c), or every task when that is not known, and every
 * idle task.
 */
static bool klpx_tasks_busy(struct klpx_switch_ctx *ctx)
{
	struct task_struct *g, *t;
	bool busy = false;
	int cpu, ret;

	rcu_read_lock();
	ret = klpx_ran_for_each(klpx_stop_task_busy, ctx);
	if (ret > 0) {
		busy = true;
		goto out;
	}
	if (ret < 0) {
		for_each_process_thread(g, t) {
			if (klpx_stop_task_busy(t, ctx)) {
				busy = true;
				goto out;
			}
		}
	}
	for_each_online_cpu(cpu) {
		t = idle_task(cpu);
		if (READ_ONCE(t->on_cpu))
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

	if (ctx->sw->check && klpx_stop_self_busy(ctx)) {
		ctx->busy = ctx->seen;
		return -EDEADLK;
	}
	if (ctx->sw->check && klpx_tasks_busy(ctx)) {
		ctx->busy = ctx->seen;
		return -EBUSY;
	}
	klpx_switch_apply(ctx->sw);
	klpx_redirect_flip(ctx->sw);
	return 0;
}

/* ---- the asking task's own frames ------------------------------------ */

/*
 * Does the asking task stand in code the step changes?  Its stack is
 * walked like any other, to its real end; one that cannot be walked so
 * counts as standing in it.
 */
static bool klpx_self_busy(struct klpx_switch_ctx *ctx)
{
	struct task_struct *t = current;
	int nr, range;

	nr = klpx_stack_walk(t, klpx_stack_entries,
			     ARRAY_SIZE(klpx_stack_entries));
	range = nr < 0 ? -1 : klpx_switch_hit(ctx->sw, klpx_stack_entries, nr);
	if (nr >= 0 && range < 0)
		return false;
	ctx->busy.range = range;
	ctx->busy.error = nr < 0 ? nr : 0;
	strscpy(ctx->busy.comm, t->comm, sizeof(ctx->busy.comm));
	ctx->busy.pid = task_pid_nr(t);
	return true;
}

/* ---- the switch ------------------------------------------------------ */

static const char *klpx_busy_where(struct klpx_switch_ctx *ctx, char *buf,
				   size_t len)
{
	const struct klpx_range *r = &ctx->sw->ranges[ctx->busy.range];

	if (r->name)
		return r->name;
	snprintf(buf, len, "%ps", (void *)r->start);
	return buf;
}

static void klpx_switch_report(struct klpx_switch_ctx *ctx,
			       struct klpx_patch *patch, bool final)
{
	const char *who = patch->mod->name;
	char buf[KSYM_SYMBOL_LEN];

	if (ctx->busy.range < 0) {
		if (final)
			pr_err("'%s': cannot switch: the stack of task %s (pid %d) cannot be walked reliably (%d); gave up after %u s\n",
			       who, ctx->busy.comm, ctx->busy.pid,
			       ctx->busy.error, switch_timeout);
		else
			pr_info("'%s': waiting for task %s (pid %d), whose stack cannot be walked reliably (%d)\n",
				who, ctx->busy.comm, ctx->busy.pid,
				ctx->busy.error);
		return;
	}
	if (final)
		pr_err("'%s': cannot switch: task %s (pid %d) is inside %s; gave up after %u s\n",
		       who, ctx->busy.comm, ctx->busy.pid,
		       klpx_busy_where(ctx, buf, sizeof(buf)), switch_timeout);
	else
		pr_info("'%s': waiting for task %s (pid %d) to leave %s\n",
			who, ctx->busy.comm, ctx->busy.pid,
			klpx_busy_where(ctx, buf, sizeof(buf)));
}

/*
 * The asking task stands in changed code: note where, for
 * klpx_defer_queue() to log once the step is really left to its return;
 * or, for @final, give up with one line.
 */
static void klpx_self_report(struct klpx_switch_ctx *ctx,
			     struct klpx_patch *patch, bool final)
{
	char buf[KSYM_SYMBOL_LEN];
	const char *where = buf;

	if (ctx->busy.range < 0)
		snprintf(buf, sizeof(buf), "a stack it cannot walk reliably (%d)",
			 ctx->busy.error);
	else
		where = klpx_busy_where(ctx, buf, sizeof(buf));
	if (final) {
		pr_err("'%s': cannot switch: %s (pid %d), which asks for it, is itself inside %s\n",
		       patch->mod->name, ctx->busy.comm, ctx->busy.pid, where);
		return;
	}
	/* One word, for debugfs's func= field. */
	if (ctx->busy.range < 0) {
		snprintf(klpx_self_where, sizeof(klpx_self_where),
			 "?unreliable:%d", ctx->busy.error);
		return;
	}
	strscpy(klpx_self_where, where, sizeof(klpx_self_where));
	/* A replacement's symbol, without the " [module]" after it. */
	klpx_self_where[strcspn(klpx_self_where, " ")] = '\0';
}

/**
 * klpx_switch_self_where() - where the asking task stands in changed code
 *
 * Context: klpx_mutex held, right after klpx_switch_run() answered
 * -EINPROGRESS.
 * Return: the changed function, or "?unreliable:<errno>" when its stack
 * counts as standing in one because it cannot be walked reliably; one
 * word, valid until the next switch.
 */
const char *klpx_switch_self_where(void)
{
	lockdep_assert_held(&klpx_mutex);
	return klpx_self_where;
}

/**
 * klpx_switch_run() - carry out a plan in one consistent step
 * @sw:		the plan
 * @patch:	the patch it is for (its name goes to the log, its
 *		"transition" file reads 1 while the switch waits)
 *
 * Waits for the tasks inside changed code to leave, for up to
 * switch_timeout seconds, moving them out when all of them can be moved
 * and have stood there signal_after seconds (park.c), then switches
 * inside stop_machine().
 *
 * For the teardown of a patch whose module goes (klpx_teardown_of(), an
 * attempt under way) it is one attempt: one pass, the tasks moved if they
 * may be, one stop; it returns -EBUSY, having logged whom it waits for at
 * most once every 5 s (klpx_teardown_may_report()), when a task is still
 * in the way, for the teardown to try again after dropping klpx_mutex.  The tasks in the way
 * and the time each has stood there are the teardown's, kept across its
 * attempts.  The tearing-down task's own frames are not checked.
 *
 * Context: klpx_mutex held; process context; sleeps.
 * Return: 0 when the stacks changed; -EINPROGRESS (not logged: see
 * klpx_switch_self_where()) when the asking task, a user task, itself
 * stands in changed code: nothing was done, the caller may leave the
 * step to that task's return to user mode (klpx_defer_queue()); -EBUSY
 * (logged, naming a task and a function) when a task stayed inside
 * changed code until the timeout, or at once when the asking task stands
 * in it and cannot leave the step to its return to user mode (a kthread,
 * a worker, or the task taking its deferred step there), or when the
 * step changes a function the asking task's own wait runs (stop_machine()
 * and below);
 * -EINTR when the asking task was killed meanwhile (never in the
 * teardown of a going patch module: that waits on); -ENOMEM; another
 * errno from stop_machine().  On failure the stacks are as they were.
 */
int klpx_switch_run(struct klpx_switch *sw, struct klpx_patch *patch)
{
	struct klpx_switch_ctx ctx = { .sw = sw, .asking = current };
	struct klpx_teardown *tearing = klpx_switch_ops->teardown_of(patch);
	/* Only the teardown's own attempt; not a module's object meanwhile. */
	struct klpx_teardown *td = tearing && tearing->attempting ? tearing :
				   NULL;
	unsigned int pause = KLPX_SWITCH_RETRY_MS;
	unsigned long deadline, report;
	unsigned int tries = 0, busy;
	u64 stopped = 0, t0;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	if (sw->check) {
		ret = klpx_stacks_prepare();
		if (ret)
			return ret;
	}
	/*
	 * Waiting for the asking task would be waiting for ourselves.  A
	 * user task leaves the step to its return to user mode.  A kthread
	 * or an io_uring or other user worker has no such return, and a
	 * task taking its deferred step is at it already: they give up.  A
	 * teardown (a module going) cannot be left for later: it goes on as
	 * before the asking task was checked, its own frames left as they are.
	 */
	if (sw->check && !td && klpx_self_busy(&ctx)) {
		if (!(current->flags & (PF_KTHREAD | KLPX_PF_WORKERS)) &&
		    !klpx_switch_ops->defer_running()) {
			klpx_self_report(&ctx, patch, false);
			return -EINPROGRESS;
		}
		klpx_self_report(&ctx, patch, true);
		return -EBUSY;
	}
	/* A teardown leaves its own frames as they are, here too. */
	if (!td)
		ctx.self = current;
	ctx.inway = td ? td->inway : klpx_inway_main_set();

	deadline = jiffies + switch_timeout * HZ;
	report = jiffies + KLPX_SWITCH_REPORT_SECS * HZ;
	klpx_inway_begin(ctx.inway, sw, patch->mod->name);
	/* Without it the stop walks every task: slower, as correct. */
	if (sw->check && klpx_ran_arm())
		pr_warn_once("cannot probe sched_switch: every switch walks every task inside the stop\n");
	for (;;) {
		bool moved = false;

		busy = sw->check ? klpx_precheck(&ctx) : 0;
		if (busy && klpx_inway_ready_to_move(ctx.inway)) {
			klpx_inway_move(ctx.inway);
			moved = true;
			busy = klpx_precheck(&ctx);
		}
		if (!busy) {
			t0 = trace_klpx_switch_enabled() ? ktime_get_ns() : 0;
			ret = stop_machine(klpx_switch_step, &ctx, NULL);
			if (t0)
				stopped += ktime_get_ns() - t0;
			tries++;
			/* Taken or refused: the moved tasks go on. */
			klpx_inway_release(ctx.inway);
			if (ret == -EDEADLK) {
				klpx_self_report(&ctx, patch, true);
				ret = -EBUSY;
				break;
			}
			if (ret != -EBUSY)
				break;
			/*
			 * Only a task running through the pre-check gets
			 * here: do not stop the machine at every retry.
			 */
			pause = min(2 * pause, 1000U);
		} else if (moved) {
			/* Refused before the stop: a task could not move. */
			klpx_inway_release(ctx.inway);
		}
		WRITE_ONCE(patch->transition, true);
		/* A teardown's attempt: it tries again without klpx_mutex. */
		if (td) {
			if (klpx_switch_ops->teardown_may_report(td))
				klpx_switch_report(&ctx, patch, false);
			ret = -EBUSY;
			break;
		}
		if (time_after(jiffies, deadline)) {
			klpx_switch_report(&ctx, patch, true);
			ret = -EBUSY;
			break;
		}
		if (fatal_signal_pending(current)) {
			pr_err("'%s': cannot switch: killed while waiting\n",
			       patch->mod->name);
			ret = -EINTR;
			break;
		}
		if (time_after(jiffies, report)) {
			klpx_switch_report(&ctx, patch, false);
			report = jiffies + KLPX_SWITCH_REPORT_SECS * HZ;
		}
		msleep(pause);
	}
	klpx_ran_disarm();
	if (td)
		klpx_inway_pause(ctx.inway);
	else
		klpx_inway_end(ctx.inway);
	/*
	 * A step of this patch left to a task's return is still to come, or
	 * its teardown tries again (or is between two attempts while an
	 * object of a module that comes or goes switches).
	 */
	WRITE_ONCE(patch->transition, (td && ret == -EBUSY) ||
		   (tearing && !td) ||
		   klpx_switch_ops->defer_pending(patch));
	trace_klpx_switch(patch->mod->name, tries, stopped, ctx.busy.comm,
			  ctx.busy.pid, ret);

	if (ret && ret != -EBUSY && ret != -EINTR)
		pr_err("'%s': cannot switch: %d\n", patch->mod->name, ret);
	return ret;
}
