// SPDX-License-Identifier: GPL-2.0
/*
 * defer.c - the step of a task that stands in the code it changes.
 *
 * The task asking for a switch (an insmod whose module's init enables a
 * patch, a writer of 0 to an "enabled" file) is checked like every other
 * task.  When its own frames stand in code the step changes (a patch of
 * the module-load or of the sysfs-write path), no waiting can help: it
 * would wait for itself.  Its request then succeeds with the step left
 * pending: the patch's "transition" file reads 1, and a task_work queued
 * by the task on itself takes the step at its return to user mode, where
 * none of its kernel frames is left.  Until then it finishes the frames
 * it is in with the code they belong to, and every call it makes still
 * goes to that same code: nothing switched yet.
 *
 * The deferred step is the ordinary one, with the ordinary waiting,
 * moving and giving up; the asking task is then checked like any other.
 * If it fails, one log line says so with the errno, and for an enable the
 * patch leaves as a failed enable would have (its sysfs directory goes,
 * its module may be removed).  No other system call is needed either way.
 *
 * Meanwhile the patch module and every module the task has frames in stay
 * loaded: the enable's own reference, or one taken here, and one on each
 * of those modules.  A disable of a patch whose enable is pending is
 * refused with -EBUSY, naming the task.  Only the kernel can still free
 * such a module: a failed init, a forced removal.  Its GOING then cancels
 * what was pending for it.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/list.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/task_work.h>
#include "core.h"
#include "trace.h"

/* Not exported; see kallsyms.c. */
KLPX_SYMBOLS(vmlinux, KLPX_SYMPOS(__module_text_address, 0));

#define KLPX_DEFER_PINS		8
#define KLPX_DEFER_ENTRIES	64

/**
 * struct klpx_defer - a step left to a task's return to user mode
 * @work:	queued on @task with TWA_RESUME
 * @node:	on klpx_deferred
 * @patch:	the patch; NULL once its module went away
 * @task:	the task that asked, referenced (to cancel @work, and for
 *		the transition file)
 * @pid:	its pid, @comm its name, for the log
 * @comm:	see @pid
 * @name:	the patch's name, for the transition file
 * @where:	the changed function the task stood in when it asked
 * @disable:	the step disables @patch; else it enables it
 * @take:	takes the step, klpx_mutex held
 * @taking:	the task is taking the step now: no longer pending
 * @mods:	modules the task had frames in, each referenced
 * @nr:		number of @mods
 */
struct klpx_defer {
	struct callback_head work;
	struct list_head node;
	struct klpx_patch *patch;
	struct task_struct *task;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	char name[MODULE_NAME_LEN];
	char where[KSYM_SYMBOL_LEN];
	bool disable;
	int (*take)(struct klpx_patch *patch, struct list_head *released);
	bool taking;
	struct module *mods[KLPX_DEFER_PINS];
	unsigned int nr;
};

/*
 * The pending steps, and the steps being taken (->taking); changed with
 * klpx_mutex and klpx_defer_lock both held, read with either.
 * klpx_defer_alive counts the steps queued whose callback has not ended
 * yet (or that were taken back); guarded by klpx_defer_lock.  A callback
 * drops it as its very last statement, so that klpx's exit, which waits
 * for zero, knows that no callback touches klpx's code or data any more
 * but for its return.
 */
static LIST_HEAD(klpx_deferred);
static DEFINE_SPINLOCK(klpx_defer_lock);
static unsigned int klpx_defer_alive;
static DECLARE_WAIT_QUEUE_HEAD(klpx_defer_wq);

/* The task taking its deferred step now, or NULL; guarded by klpx_mutex. */
static struct task_struct *klpx_defer_task;

/**
 * klpx_defer_running() - is the current task taking its deferred step?
 *
 * Context: klpx_mutex held.
 * Return: true then: its switch checks it like any other task.
 */
bool klpx_defer_running(void)
{
	lockdep_assert_held(&klpx_mutex);
	return klpx_defer_task == current;
}

/**
 * klpx_defer_pending() - is a step of @patch left to a task's return?
 * @patch:	a patch
 *
 * Context: klpx_mutex held.
 * Return: true while such a step is neither taken nor given up: the
 * patch's "transition" file reads 1 until then, whatever other switch of
 * it ends meanwhile.
 */
bool klpx_defer_pending(const struct klpx_patch *patch)
{
	struct klpx_defer *d;

	lockdep_assert_held(&klpx_mutex);
	list_for_each_entry(d, &klpx_deferred, node)
		if (d->patch == patch && !d->taking)
			return true;
	return false;
}

static bool klpx_defer_pinned(const struct klpx_defer *d,
			      const struct module *mod)
{
	unsigned int i;

	for (i = 0; i < d->nr; i++)
		if (d->mods[i] == mod)
			return true;
	return false;
}

/* Hold every module the current task has frames in, but klpx itself. */
static int klpx_defer_pin(struct klpx_defer *d)
{
	unsigned long *entries;
	struct module *mod;
	unsigned int i, nr;
	int ret = 0;

	entries = kmalloc_array(KLPX_DEFER_ENTRIES, sizeof(*entries),
				GFP_KERNEL);
	if (!entries)
		return -ENOMEM;
	nr = stack_trace_save(entries, KLPX_DEFER_ENTRIES, 0);
	for (i = 0; i < nr && !ret; i++) {
		preempt_disable();
		mod = __module_text_address(entries[i]);
		if (mod && mod != THIS_MODULE && !klpx_defer_pinned(d, mod)) {
			/* Waiting for no one helps: the task is busy. */
			if (d->nr == KLPX_DEFER_PINS)
				ret = -EBUSY;
			/* One going away is the task's own load or removal. */
			else if (try_module_get(mod))
				d->mods[d->nr++] = mod;
		}
		preempt_enable();
	}
	kfree(entries);
	if (ret)
		pr_err("'%s': %s (pid %d) has frames in more than %d modules\n",
		       klpx_patch_name(d->patch), d->comm, d->pid,
		       KLPX_DEFER_PINS);
	return ret;
}

static void klpx_defer_unpin(struct klpx_defer *d)
{
	while (d->nr)
		module_put(d->mods[--d->nr]);
}

/* The step itself, for a patch still there. */
static void klpx_defer_take(struct klpx_defer *d, struct list_head *released)
{
	struct klpx_patch *patch = d->patch;
	int ret;

	/* An enable taken now is no longer pending. */
	if (!d->disable)
		list_del_init(&patch->list);
	/* A replace still in its init settles first, as for any step. */
	klpx_patch_settle_replace(released);
	klpx_defer_task = current;
	ret = d->take(patch, released);
	if (!d->disable)
		trace_klpx_patch_enable(klpx_patch_name(patch),
					patch->replace, ret);
	klpx_defer_task = NULL;
	WRITE_ONCE(patch->transition, klpx_defer_pending(patch));
	if (!ret && !d->disable)
		pr_info("'%s': enabled\n", klpx_patch_name(patch));
	else if (ret && ret != -EALREADY)
		pr_err("'%s': the %s left to the return of %s (pid %d) to user mode failed: %pe\n",
		       klpx_patch_name(patch),
		       d->disable ? "disable" : "enable", d->comm,
		       d->pid, ERR_PTR(ret));

	/*
	 * A patch that was disabled, or whose enable failed, leaves by the
	 * way every leaving patch takes: its directory, then the reference
	 * its enable took, with a forced removal waiting for both.
	 */
	if (d->disable ? !ret : ret)
		klpx_patch_leave(patch, released);
	/* The disable's own reference; the patch's still holds the module. */
	if (d->disable)
		module_put(patch->mod);
}

/* @d's patch is taken, or gone.  klpx_mutex held. */
static void klpx_defer_drop_patch(struct klpx_defer *d)
{
	spin_lock(&klpx_defer_lock);
	d->patch = NULL;
	spin_unlock(&klpx_defer_lock);
}

/* Forget @d: it never runs, or has run.  klpx_mutex held. */
static void klpx_defer_forget(struct klpx_defer *d)
{
	spin_lock(&klpx_defer_lock);
	list_del(&d->node);
	spin_unlock(&klpx_defer_lock);
	klpx_defer_unpin(d);
}

static void klpx_defer_free(struct klpx_defer *d)
{
	put_task_struct(d->task);
	kfree(d);
}

/*
 * A queued step is over: its callback ends, or it was taken back.  The
 * wake-up is made under klpx_defer_lock, which klpx_defer_idle() takes:
 * klpx's exit cannot see zero before the callback leaves the lock.
 */
static void klpx_defer_done(void)
{
	spin_lock(&klpx_defer_lock);
	klpx_defer_alive--;
	wake_up_all(&klpx_defer_wq);
	spin_unlock(&klpx_defer_lock);
}

static bool klpx_defer_idle(void)
{
	bool idle;

	spin_lock(&klpx_defer_lock);
	idle = !klpx_defer_alive;
	spin_unlock(&klpx_defer_lock);
	return idle;
}

static void klpx_defer_fn(struct callback_head *work)
{
	struct klpx_defer *d = container_of(work, struct klpx_defer, work);
	LIST_HEAD(released);

	mutex_lock(&klpx_mutex);
	WRITE_ONCE(d->taking, true);
	if (d->patch)
		klpx_defer_take(d, &released);
	klpx_defer_drop_patch(d);
	klpx_defer_unpin(d);
	mutex_unlock(&klpx_mutex);
	klpx_patch_release_left(&released);

	mutex_lock(&klpx_mutex);
	klpx_defer_forget(d);
	mutex_unlock(&klpx_mutex);
	klpx_defer_free(d);
	/*
	 * klpx's exit waits for this; what is left of this callback after
	 * it is its return.
	 */
	klpx_defer_done();
}

/**
 * klpx_defer_queue() - leave a step to the current task's return to user mode
 * @patch:	the patch whose enable or disable klpx_switch_run() answered
 *		with -EINPROGRESS, everything it did undone
 * @disable:	the step disables @patch (an enabled patch); else it enables
 *		it (the enable's module reference and sysfs directory pass to
 *		the pending step, and the patch waits on klpx_pending, the
 *		one patch of its module, until the step is taken or its
 *		module goes)
 * @take:	the step itself, called with klpx_mutex held by the task at
 *		its return to user mode (@released as __klpx_enable_patch()'s):
 *		0 when it was taken, -EALREADY when a disable found nothing
 *		to do, else why it failed
 *
 * Context: klpx_mutex held; process context, a user task; sleeps.
 * Return: 0 with the step pending ("transition" reads 1; logged, naming
 * the function the task stands in); -ENOMEM, -EBUSY (frames in more than
 * KLPX_DEFER_PINS modules), -ENODEV (the patch module is going away) or
 * -ESRCH (the task is exiting): logged, nothing pending.
 */
int klpx_defer_queue(struct klpx_patch *patch, bool disable,
		     int (*take)(struct klpx_patch *patch,
				 struct list_head *released))
{
	struct klpx_defer *d;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		ret = -ENOMEM;
		goto err;
	}
	d->patch = patch;
	d->task = get_task_struct(current);
	d->pid = task_pid_nr(current);
	get_task_comm(d->comm, current);
	strscpy(d->name, klpx_patch_name(patch), sizeof(d->name));
	strscpy(d->where, klpx_switch_self_where(), sizeof(d->where));
	d->disable = disable;
	d->take = take;
	ret = klpx_defer_pin(d);
	if (ret)
		goto err_unpin;
	if (disable && !try_module_get(patch->mod)) {
		ret = -ENODEV;
		goto err_unpin;
	}
	init_task_work(&d->work, klpx_defer_fn);
	ret = task_work_add(current, &d->work, TWA_RESUME);
	if (ret) {
		if (disable)
			module_put(patch->mod);
		goto err_unpin;
	}
	spin_lock(&klpx_defer_lock);
	list_add_tail(&d->node, &klpx_deferred);
	klpx_defer_alive++;
	spin_unlock(&klpx_defer_lock);
	/* The module's one patch from now on, as an enabled one would be. */
	if (!disable)
		list_add_tail(&patch->list, &klpx_pending);
	WRITE_ONCE(patch->transition, true);
	pr_info("'%s': %s (pid %d) asks for the switch from inside %s: the switch waits for its return to user mode\n",
		klpx_patch_name(patch), d->comm, d->pid, d->where);
	return 0;

err_unpin:
	klpx_defer_unpin(d);
	klpx_defer_free(d);
err:
	pr_err("'%s': cannot leave the %s to the return of the asking task to user mode: %pe\n",
	       klpx_patch_name(patch), disable ? "disable" : "enable",
	       ERR_PTR(ret));
	return ret;
}

/**
 * klpx_defer_refuse_disable() - why a patch that is not enabled is not disabled
 * @patch:	a patch that is not enabled
 *
 * Context: klpx_mutex held.
 * Return: -EBUSY (logged, naming the task) while its enable is pending;
 * -EINVAL otherwise.
 */
int klpx_defer_refuse_disable(struct klpx_patch *patch)
{
	struct klpx_defer *d;

	lockdep_assert_held(&klpx_mutex);

	list_for_each_entry(d, &klpx_deferred, node) {
		if (d->patch != patch || d->disable)
			continue;
		pr_err("'%s': cannot disable: its enable is pending until %s (pid %d) returns to user mode\n",
		       klpx_patch_name(patch), d->comm, d->pid);
		return -EBUSY;
	}
	return -EINVAL;
}

/**
 * klpx_defer_module_going() - forget a module that goes away
 * @mod:	a module in MODULE_STATE_GOING (a failed init, a forced
 *		removal: nothing else frees a module klpx holds)
 * @cancelled:	receives the patches of @mod whose enable was pending (by
 *		klpx_patch.list): hand them to klpx_defer_release() once
 *		klpx_mutex is dropped
 *
 * Steps pending for @mod's patch are cancelled (one log line each): their
 * task_work is taken back, or, when the task is about to run it, finds
 * the patch gone.  The references on @mod are forgotten, not dropped:
 * the module is freed whatever they say.
 *
 * Context: klpx_mutex held.
 */
void klpx_defer_module_going(struct module *mod, struct list_head *cancelled)
{
	struct klpx_defer *d, *tmp;
	unsigned int i;

	lockdep_assert_held(&klpx_mutex);

	list_for_each_entry_safe(d, tmp, &klpx_deferred, node) {
		for (i = 0; i < d->nr; i++) {
			if (d->mods[i] != mod)
				continue;
			d->mods[i] = d->mods[--d->nr];
			break;
		}
		if (!d->patch || d->patch->mod != mod)
			continue;
		pr_err("'%s': the module goes away: the %s left to %s (pid %d) is cancelled\n",
		       klpx_patch_name(d->patch),
		       d->disable ? "disable" : "enable", d->comm, d->pid);
		if (!d->disable)
			list_move_tail(&d->patch->list, cancelled);
		klpx_defer_drop_patch(d);
		if (task_work_cancel(d->task, &d->work)) {
			klpx_defer_forget(d);
			klpx_defer_free(d);
			klpx_defer_done();
		}
	}
}

/**
 * klpx_defer_release() - release the patches klpx_defer_module_going() cancelled
 * @cancelled:	the patches; emptied
 *
 * Their sysfs directories go, and the references their enables took.
 *
 * Context: klpx_mutex NOT held; sleeps.
 */
void klpx_defer_release(struct list_head *cancelled)
{
	struct klpx_patch *patch, *tmp;

	list_for_each_entry_safe(patch, tmp, cancelled, list) {
		list_del_init(&patch->list);
		WRITE_ONCE(patch->transition, false);
		klpx_patch_dir_del(patch);
		module_put(patch->mod);
	}
}

/**
 * klpx_defer_exit() - klpx goes: no deferred step may run its code after
 *
 * Only steps whose patch module went away can be left (a patch module
 * holds klpx).  Those still queued are taken back; those a task is
 * running already are waited for.
 *
 * Context: klpx's exit; sleeps.
 */
void klpx_defer_exit(void)
{
	struct klpx_defer *d, *tmp;

	mutex_lock(&klpx_mutex);
	list_for_each_entry_safe(d, tmp, &klpx_deferred, node) {
		/* A patch module holds klpx: its steps went at its GOING. */
		WARN_ON_ONCE(d->patch);
		if (!task_work_cancel(d->task, &d->work))
			continue;
		klpx_defer_forget(d);
		klpx_defer_free(d);
		klpx_defer_done();
	}
	mutex_unlock(&klpx_mutex);
	wait_event(klpx_defer_wq, klpx_defer_idle());
}

/**
 * klpx_defer_show() - the pending steps, for /sys/kernel/debug/klpx/transition
 * @m:	the file
 *
 * One line per task whose step is left to its return to user mode, the
 * fields of inway.c's lines first:
 * pid=<pid> comm=<comm> state=<state> func=<name> action=waiting
 * patch=<patch> step=deferred (the step waits for the task's return;
 * "taking" while the task takes it).
 *
 * Context: process context; takes klpx_defer_lock.
 * Return: 0.
 */
int klpx_defer_show(struct seq_file *m)
{
	struct klpx_defer *d;

	spin_lock(&klpx_defer_lock);
	list_for_each_entry(d, &klpx_deferred, node) {
		if (!d->patch)
			continue;
		seq_printf(m, "pid=%d comm=%s state=%c func=%s action=waiting patch=%s step=%s\n",
			   d->pid, d->comm, task_state_to_char(d->task),
			   d->where, d->name,
			   READ_ONCE(d->taking) ? "taking" : "deferred");
	}
	spin_unlock(&klpx_defer_lock);
	return 0;
}
