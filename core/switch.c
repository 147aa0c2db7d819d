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
 * (each pinned by task_call_func()) and deals with the tasks it finds
 * inside code the step changes:
 *
 *  - a user task asleep interruptibly there is moved out: a task_work
 *    queued with TWA_SIGNAL wakes it as a signal would; its system call
 *    unwinds with -ERESTARTSYS, and on its way back to user mode, where
 *    it stands in no kernel function at all, the task_work parks it until
 *    the switch is over.  With no signal really pending, the system call
 *    then restarts, in the new code: the task sees no error;
 *  - anything else (a kthread, an uninterruptible sleep, a running task)
 *    is waited for.
 *
 * When the pre-check finds nothing, stop_machine() confirms it in one
 * pass over all tasks and switches.  Should a task have entered the code
 * in between, the step is refused and the pre-check runs again.  After
 * switch_timeout seconds the switch gives up with -EBUSY, naming a task
 * and a function; every few seconds meanwhile the log names who it waits
 * for, and /sys/kernel/klpx/<patch>/transition reads 1.
 *
 * The task that asks for the switch (an insmod in a patch module's init,
 * a writer of an "enabled" file) is not held against its own switch: it
 * may well be inside a function being changed, such as the module-load or
 * the sysfs-write path.  It finishes the frames it is in with the code
 * they belong to; every call it makes afterwards goes to the new code.
 * The modules whose code it stands in are pinned until it returns to user
 * mode, so that no rmmod frees code it still has to return into.  A
 * kthread asking for a switch has no such return, so it is checked like
 * any other task.
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
#include <linux/wait.h>
#include <asm/asm-prototypes.h>
#include <asm/nospec-branch.h>
#include "core.h"
#include "trace.h"

#ifndef CONFIG_HAVE_RELIABLE_STACKTRACE
#error "klpx proves a switch safe with reliable stack traces: this kernel has none"
#endif

/*
 * Not exported; see kallsyms.c.  stack_trace_save_tsk_reliable() is the
 * kernel's own reliable unwinder, the one its livepatch consistency model
 * trusts: on x86 with ORC it fails on any frame it cannot vouch for.
 * idle_task(): idle tasks are on no task list, yet they sleep in code too.
 */
KLPX_SYMBOLS(vmlinux,
	     KLPX_SYMPOS(task_call_func, 0),
	     KLPX_SYMPOS(task_work_cancel, 0),
	     KLPX_SYMPOS(__module_text_address, 0),
	     KLPX_SYMPOS(stack_trace_save_tsk_reliable, 0),
	     KLPX_SYMPOS(idle_task, 0));

static unsigned int switch_timeout = 60;
module_param(switch_timeout, uint, 0644);
MODULE_PARM_DESC(switch_timeout,
		 "seconds a switch waits for tasks to leave the code it changes");

#define KLPX_STACK_ENTRIES	128
#define KLPX_SWITCH_RETRY_MS	10
#define KLPX_SWITCH_REPORT_SECS	5
#define KLPX_PIN_MODULES	8

/**
 * struct klpx_busy - a task found inside code a switch changes
 * @comm:	its name
 * @pid:	its pid
 * @range:	index in the plan's ranges it stands in; -1 when its stack
 *		could not be walked reliably
 * @error:	what the unwinder said in that case
 */
struct klpx_busy {
	char comm[TASK_COMM_LEN];
	pid_t pid;
	int range;
	int error;
};

/**
 * struct klpx_switch_ctx - one switch
 * @sw:		the plan
 * @self:	the task asking for the switch, when it is a user task
 * @seen:	the last task found inside changed code
 * @busy:	the last one of them that had to be waited for
 */
struct klpx_switch_ctx {
	struct klpx_switch *sw;
	struct task_struct *self;
	struct klpx_busy seen;
	struct klpx_busy busy;
};

/*
 * Room for one stack trace.  Only the klpx_mutex holder uses it: from its
 * own context in the pre-check, from the CPU that runs the step inside
 * stop_machine() on its behalf.
 */
static unsigned long klpx_stack_entries[KLPX_STACK_ENTRIES];

/*
 * Is a trace the unwinder calls reliable cut short all the same?  Before
 * 6.2 the ORC data of the first instruction of every retpoline thunk says
 * "end of stack".  A task preempted there (PREEMPT_RT preempts anywhere)
 * gets a trace that ends in the thunk, without the function that made
 * the indirect call, which may be changed code.
 */
static bool klpx_trace_cut_short(const unsigned long *entries, int nr)
{
#if defined(CONFIG_RETPOLINE) || defined(CONFIG_MITIGATION_RETPOLINE)
	unsigned long last = nr ? entries[nr - 1] : 0;

	/* The thunks are laid out from rax to r15, one per register. */
	return last >= (unsigned long)__x86_indirect_thunk_rax &&
	       last < (unsigned long)__x86_indirect_thunk_r15 +
		      RETPOLINE_THUNK_SIZE;
#else
	return false;
#endif
}

/* Is @t, which cannot run, inside code the switch changes? */
static bool klpx_task_busy(struct klpx_switch_ctx *ctx, struct task_struct *t)
{
	int nr, range;

	nr = stack_trace_save_tsk_reliable(t, klpx_stack_entries,
					   ARRAY_SIZE(klpx_stack_entries));
	if (nr >= 0 && klpx_trace_cut_short(klpx_stack_entries, nr))
		nr = -EINVAL;
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

/* ---- parking the tasks that can move -------------------------------- */

/**
 * struct klpx_park - a task moved out of changed code for one switch
 * @work:	queued on @task with TWA_SIGNAL
 * @task:	the task, referenced
 * @node:	entry in klpx_parks
 * @done:	@work ran to its end
 */
struct klpx_park {
	struct callback_head work;
	struct task_struct *task;
	struct list_head node;
	bool done;
};

/* Tasks parked for the switch in progress; guarded by klpx_mutex. */
static LIST_HEAD(klpx_parks);
/* Parked tasks wait while it is set; written under klpx_mutex. */
static bool klpx_parking;
static DECLARE_WAIT_QUEUE_HEAD(klpx_park_wq);

/*
 * Runs in the parked task on its way back to user mode: no kernel
 * function of its own is left on its stack.  Waiting here is what keeps
 * it out of the code being changed until the switch is over.
 */
static void klpx_park_fn(struct callback_head *work)
{
	struct klpx_park *park = container_of(work, struct klpx_park, work);

	wait_event_killable(klpx_park_wq, !READ_ONCE(klpx_parking));
	/* Pairs with smp_load_acquire() in klpx_park_done(). */
	smp_store_release(&park->done, true);
	wake_up_all(&klpx_park_wq);
}

static bool klpx_park_done(struct klpx_park *park)
{
	/* Pairs with smp_store_release() in klpx_park_fn(). */
	return smp_load_acquire(&park->done);
}

static bool klpx_is_parked(struct task_struct *t)
{
	struct klpx_park *park;

	list_for_each_entry(park, &klpx_parks, node)
		if (park->task == t)
			return true;
	return false;
}

/*
 * A user task asleep interruptibly can be moved out; anything else has to
 * leave by itself.  Called under RCU with @t found busy.
 */
static bool klpx_park(struct task_struct *t)
{
	struct klpx_park *park;

	if ((t->flags & (PF_KTHREAD | PF_EXITING)) ||
	    READ_ONCE(t->__state) != TASK_INTERRUPTIBLE)
		return false;
	if (klpx_is_parked(t))
		return true;
	park = kzalloc(sizeof(*park), GFP_ATOMIC);
	if (!park)
		return false;
	init_task_work(&park->work, klpx_park_fn);
	get_task_struct(t);
	park->task = t;
	if (task_work_add(t, &park->work, TWA_SIGNAL)) {
		/* It is exiting: it will leave by itself. */
		put_task_struct(t);
		kfree(park);
		return false;
	}
	list_add(&park->node, &klpx_parks);
	return true;
}

/* Let every parked task go, and forget it once its task_work is over. */
static void klpx_unpark_all(void)
{
	struct klpx_park *park, *tmp;

	WRITE_ONCE(klpx_parking, false);
	wake_up_all(&klpx_park_wq);
	list_for_each_entry_safe(park, tmp, &klpx_parks, node) {
		/* Not run yet: it never will.  Else it is about to end. */
		if (!task_work_cancel(park->task, &park->work))
			wait_event(klpx_park_wq, klpx_park_done(park));
		list_del(&park->node);
		put_task_struct(park->task);
		kfree(park);
	}
}

/* ---- the pre-check, with the machine running ------------------------- */

/* task_call_func() callback: @t cannot start running while we look. */
static int klpx_precheck_task(struct task_struct *t, void *arg)
{
	struct klpx_switch_ctx *ctx = arg;

	/* Running now, on another CPU: the step inside the stop will see. */
	if (READ_ONCE(t->on_cpu))
		return 0;
	return klpx_task_busy(ctx, t) ? -EBUSY : 0;
}

/*
 * Walk every task; park what can move.  Return: how many tasks stay in
 * the way for now (ctx->busy names the last one).
 */
static unsigned int klpx_precheck(struct klpx_switch_ctx *ctx)
{
	struct task_struct *g, *t;
	unsigned int busy = 0;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		if (t == ctx->self)
			continue;
		if (task_call_func(t, klpx_precheck_task, ctx) != -EBUSY)
			continue;
		if (!klpx_park(t)) {
			ctx->busy = ctx->seen;
			busy++;
		}
	}
	rcu_read_unlock();
	return busy;
}

/* ---- the step, inside stop_machine() -------------------------------- */

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
		if (t == ctx->self || t == current || READ_ONCE(t->on_cpu))
			continue;
		if (klpx_task_busy(ctx, t)) {
			busy = true;
			goto out;
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

	if (ctx->sw->check && klpx_tasks_busy(ctx)) {
		ctx->busy = ctx->seen;
		return -EBUSY;
	}
	klpx_switch_apply(ctx->sw);
	klpx_redirect_flip(ctx->sw);
	return 0;
}

/* ---- the asking task's own frames ------------------------------------ */

/**
 * struct klpx_pin - modules the asking task still has frames in
 * @work:	queued on the task with TWA_RESUME: runs at its return to
 *		user mode, when it has left them
 * @mods:	referenced modules
 * @nr:		number of @mods
 */
struct klpx_pin {
	struct callback_head work;
	struct module *mods[KLPX_PIN_MODULES];
	unsigned int nr;
};

static void klpx_unpin_fn(struct callback_head *work)
{
	struct klpx_pin *pin = container_of(work, struct klpx_pin, work);
	unsigned int i;

	for (i = 0; i < pin->nr; i++)
		module_put(pin->mods[i]);
	kfree(pin);
}

static bool klpx_pin_add(struct klpx_pin *pin, unsigned long addr)
{
	struct module *mod;
	unsigned int i;
	bool ok = true;

	preempt_disable();
	mod = __module_text_address(addr);
	if (mod && mod != THIS_MODULE) {
		for (i = 0; i < pin->nr && pin->mods[i] != mod; i++)
			;
		if (i == pin->nr) {
			ok = pin->nr < KLPX_PIN_MODULES && try_module_get(mod);
			if (ok)
				pin->mods[pin->nr++] = mod;
		}
	}
	preempt_enable();
	return ok;
}

/*
 * Keep the modules whose changed code the asking task stands in until it
 * has left it.  Return: 0, or -ENOMEM / -EBUSY when they could not be
 * held (the switch is then not done).
 */
static struct klpx_pin *klpx_pin_self(struct klpx_switch_ctx *ctx)
{
	struct klpx_pin *pin;
	unsigned int i, nr;

	if (!ctx->self || !ctx->sw->check)
		return NULL;
	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return ERR_PTR(-ENOMEM);
	nr = stack_trace_save(klpx_stack_entries,
			      ARRAY_SIZE(klpx_stack_entries), 0);
	for (i = 0; i < nr; i++) {
		if (klpx_switch_hit(ctx->sw, &klpx_stack_entries[i], 1) < 0)
			continue;
		if (!klpx_pin_add(pin, klpx_stack_entries[i])) {
			klpx_unpin_fn(&pin->work);
			return ERR_PTR(-EBUSY);
		}
	}
	return pin;
}

static void klpx_pin_keep(struct klpx_pin *pin)
{
	if (IS_ERR_OR_NULL(pin))
		return;
	if (!pin->nr) {
		kfree(pin);
		return;
	}
	init_task_work(&pin->work, klpx_unpin_fn);
	/* Failing means the task is exiting: it has left its frames. */
	if (task_work_add(current, &pin->work, TWA_RESUME))
		klpx_unpin_fn(&pin->work);
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

/**
 * klpx_switch_run() - carry out a plan in one consistent step
 * @sw:		the plan
 * @patch:	the patch it is for (its name goes to the log, its
 *		"transition" file reads 1 while the switch waits)
 *
 * Moves out the tasks asleep interruptibly in changed code and waits for
 * the others, for up to switch_timeout seconds, then switches inside
 * stop_machine().
 *
 * Context: klpx_mutex held; process context; sleeps.
 * Return: 0 when the stacks changed; -EBUSY (logged, naming a task and a
 * function) when a task stayed inside changed code until the timeout;
 * -EINTR when the asking task was killed meanwhile (never in the
 * teardown of a going patch module: that waits on); -ENOMEM; another
 * errno from stop_machine().  On failure the stacks are as they were.
 */
int klpx_switch_run(struct klpx_switch *sw, struct klpx_patch *patch)
{
	struct klpx_switch_ctx ctx = { .sw = sw };
	unsigned int pause = KLPX_SWITCH_RETRY_MS;
	unsigned long deadline, report;
	unsigned int tries = 0;
	u64 stopped = 0, t0;
	struct klpx_pin *pin;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	if (!(current->flags & PF_KTHREAD))
		ctx.self = current;
	pin = klpx_pin_self(&ctx);
	if (IS_ERR(pin)) {
		pr_err("'%s': cannot switch: cannot hold the modules the switching task is in: %ld\n",
		       patch->mod->name, PTR_ERR(pin));
		return PTR_ERR(pin);
	}

	deadline = jiffies + switch_timeout * HZ;
	report = jiffies + KLPX_SWITCH_REPORT_SECS * HZ;
	WRITE_ONCE(klpx_parking, true);
	for (;;) {
		if (!sw->check || !klpx_precheck(&ctx)) {
			t0 = trace_klpx_switch_enabled() ? ktime_get_ns() : 0;
			ret = stop_machine(klpx_switch_step, &ctx, NULL);
			if (t0)
				stopped += ktime_get_ns() - t0;
			tries++;
			if (ret != -EBUSY)
				break;
			/*
			 * Only a task running through the pre-check gets
			 * here: do not stop the machine at every retry.
			 */
			pause = min(2 * pause, 1000U);
		}
		WRITE_ONCE(patch->transition, true);
		if (time_after(jiffies, deadline)) {
			klpx_switch_report(&ctx, patch, true);
			ret = -EBUSY;
			break;
		}
		/*
		 * The teardown of a module going away with its patch enabled
		 * cannot give up: the code goes when it returns.
		 */
		if (fatal_signal_pending(current) && patch != klpx_teardown) {
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
	klpx_unpark_all();
	WRITE_ONCE(patch->transition, false);
	trace_klpx_switch(patch->mod->name, tries, stopped, ctx.busy.comm,
			  ctx.busy.pid, ret);

	if (ret) {
		if (ret != -EBUSY && ret != -EINTR)
			pr_err("'%s': cannot switch: %d\n", patch->mod->name,
			       ret);
		if (!IS_ERR_OR_NULL(pin))
			klpx_unpin_fn(&pin->work);
		return ret;
	}
	klpx_pin_keep(pin);
	return 0;
}
