// SPDX-License-Identifier: GPL-2.0
/*
 * teardown.c - a patch module that goes away while its patch is enabled.
 *
 * While its patch is enabled a module keeps a reference and has no exit,
 * so rmmod refuses it; only a failed init and a forced removal still free
 * it.  The module notifier calls in here at GOING, first in the chain,
 * while the module's code and data are still there.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/bug.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include "core.h"

/*
 * The first and the longest pause between two attempts (klpx_mutex
 * dropped), and the shortest time between two lines saying whom a
 * teardown waits for.
 */
#define KLPX_TEARDOWN_RETRY_MS		10U
#define KLPX_TEARDOWN_PAUSE_MAX_MS	1000U
#define KLPX_TEARDOWN_REPORT_SECS	5

/* Every teardown in progress (struct klpx_teardown); guarded by klpx_mutex. */
static LIST_HEAD(klpx_teardowns);

/**
 * klpx_teardown_of() - the teardown in progress of a patch
 * @patch:	a patch
 *
 * The switches of its attempts (@attempting) wait on even when the task is
 * killed, try once per call and leave the tearing-down task's own frames
 * unchecked: the code goes when the notification returns, whatever that
 * task does.  Between attempts klpx_mutex is dropped; the switch of an
 * object of the patch whose module comes or goes meanwhile is an ordinary
 * (unchecked) one.
 *
 * Context: klpx_mutex held.
 * Return: the teardown, or NULL when @patch's module is not going.
 */
struct klpx_teardown *klpx_teardown_of(const struct klpx_patch *patch)
{
	struct klpx_teardown *td;

	lockdep_assert_held(&klpx_mutex);

	list_for_each_entry(td, &klpx_teardowns, node)
		if (td->patch == patch)
			return td;
	return NULL;
}

/**
 * klpx_teardown_may_report() - may a teardown say whom it waits for now?
 * @td:		the teardown
 *
 * At most one line every KLPX_TEARDOWN_REPORT_SECS seconds, however often
 * it tries.
 *
 * Context: klpx_mutex held.
 * Return: true when it may, which counts as saying it.
 */
bool klpx_teardown_may_report(struct klpx_teardown *td)
{
	lockdep_assert_held(&klpx_mutex);

	if (time_before(jiffies, td->next_report))
		return false;
	td->next_report = jiffies + KLPX_TEARDOWN_REPORT_SECS * HZ;
	return true;
}

/**
 * klpx_teardown_refuse_enable() - may a patch be enabled during teardowns?
 * @patch:	the patch to enable
 *
 * A teardown drops klpx_mutex between its attempts.  Meanwhile, a patch
 * that stacks on the enabled ones may be enabled; an atomic replace may
 * not (it would take off the patch being torn down), nor may any patch
 * while a teardown brings back the patches its patch replaced (that
 * teardown counts on its patch being the only one enabled).
 *
 * Context: klpx_mutex held.
 * Return: 0, or -EBUSY (logged) when @patch must wait for a teardown.
 */
int klpx_teardown_refuse_enable(const struct klpx_patch *patch)
{
	struct klpx_teardown *td;

	lockdep_assert_held(&klpx_mutex);

	list_for_each_entry(td, &klpx_teardowns, node) {
		if (!patch->replace && !td->restoring)
			continue;
		pr_err("'%s': cannot enable: patch '%s' is being torn down (its module goes) and %s; try again once it is gone\n",
		       klpx_patch_name(patch), klpx_patch_name(td->patch),
		       td->restoring ? "brings back the patches it replaced" :
		       "an atomic replace would take it off");
		return -EBUSY;
	}
	return 0;
}

/**
 * klpx_teardown_settle_for() - a module comes or goes during teardowns
 * @mod:	the module
 * @released:	receives patches that leave for good; hand them to
 *		klpx_patch_release_left() once klpx_mutex is dropped
 *
 * A teardown that brings back the patches a replace replaced does so
 * exactly as they were switched off.  A module they, or the replace, are
 * or patch that comes or goes meanwhile (klpx_mutex is dropped between
 * attempts) ends that: they leave for good now, as a pending replace is
 * made final, and the teardown disables its patch alone.
 *
 * Context: klpx_mutex held; sleeps (garbage collection).
 */
void klpx_teardown_settle_for(struct module *mod, struct list_head *released)
{
	struct klpx_teardown *td;

	lockdep_assert_held(&klpx_mutex);

	list_for_each_entry(td, &klpx_teardowns, node) {
		if (!td->restoring ||
		    !klpx_plan_replace_concerns(td->patch, mod, mod->name))
			continue;
		pr_err("'%s': module '%s' comes or goes while it is torn down: the patches it replaced leave for good\n",
		       klpx_patch_name(td->patch), mod->name);
		td->restoring = false;
		klpx_replaced_leave(td->patch, released);
	}
}

/*
 * Disable @td's patch (bringing back @restore with it, if given), checked,
 * as often as it takes: one try per attempt, klpx_mutex dropped and a
 * pause between attempts, so that module loads and other patches go on.
 * The tasks in the way, the time each has stood there and the log's rate
 * limit are @td's: they carry over when a teardown that gave up bringing
 * back the replaced patches goes on without them.
 * Return: 0; -ECANCELED when the patches to bring back left for good
 * meanwhile; else the errno of an attempt that failed for another reason
 * than a task in the way (-ENOMEM, -EPERM).
 */
static int klpx_patch_disable_waiting(struct klpx_teardown *td,
				      struct list_head *restore)
{
	struct klpx_patch *patch = td->patch;
	unsigned int pause = KLPX_TEARDOWN_RETRY_MS;
	int ret;

	td->restoring = !!restore;
	klpx_disable_begin(patch);
	for (;;) {
		td->attempting = true;
		ret = klpx_disable_attempt(patch, true, restore);
		td->attempting = false;
		if (ret != -EBUSY)
			break;
		mutex_unlock(&klpx_mutex);
		msleep(pause);
		pause = min(2 * pause, KLPX_TEARDOWN_PAUSE_MAX_MS);
		mutex_lock(&klpx_mutex);
		if (restore && !td->restoring) {
			ret = -ECANCELED;
			break;
		}
	}
	td->restoring = false;
	if (ret)
		klpx_disable_refused(patch, true, ret);
	else
		klpx_disable_finish(patch, true, restore);
	return ret;
}

/**
 * klpx_patch_teardown_orphan() - tear down the enabled patch of a module
 * @mod:	a module in MODULE_STATE_GOING
 * @init_failed: @mod's init failed: the module never was live
 * @gone:	receives the patch torn down (by klpx_patch.list); hand it to
 *		klpx_patch_release_orphans() once klpx_mutex is dropped
 * @released:	receives patches that leave for good meanwhile; hand them
 *		to klpx_patch_release_left() once klpx_mutex is dropped
 *
 * While its patch is enabled a module keeps a reference and has no exit,
 * so rmmod refuses it.  Two ways still free it: an init that enables the
 * patch and then fails (the kernel frees the module whatever holds it), and
 * a forced removal.  Either way its code and data are freed as soon as the
 * notifier chain returns, and nothing can refuse that; but the notifier
 * can make it wait.  So the patch is disabled here, with the activeness
 * check, as often as it takes: tasks asleep in its code are moved out,
 * the others are waited for (the log says for whom, at most every 5 s),
 * even when the task tearing down is killed.  Between two attempts
 * klpx_mutex is dropped, so that module loads and other patches go on
 * (klpx_teardown_refuse_enable() says which enables wait).  When the
 * patch was an atomic replace, the patches it replaced come back in the
 * same step, as they were; if that cannot be planned (no memory), ftrace
 * refuses their functions, or a module they concern comes or goes
 * meanwhile, they leave for good and the patch alone is disabled.  Only
 * a failure to plan that (no memory) makes it switch back unchecked.
 * This runs first among the GOING notifiers, where the module's exit
 * would have run, before the kernel tears down its jump labels, static
 * calls and the like.
 *
 * Context: klpx_mutex held; dropped and taken again between attempts (the
 * caller must not count on what it saw before); sleeps.
 */
void klpx_patch_teardown_orphan(struct module *mod, bool init_failed,
				struct list_head *gone,
				struct list_head *released)
{
	struct klpx_teardown td = {
		.next_report = jiffies + KLPX_TEARDOWN_REPORT_SECS * HZ,
	};
	struct klpx_patch *patch, *replacing;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	replacing = klpx_patch_take_replacing(mod, init_failed, released);
	patch = klpx_patch_of_module(mod);
	if (!patch)
		return;

	if (init_failed)
		WARN(1, "klpx: '%s': init failed after enabling its patch; disabling it\n",
		     klpx_patch_name(patch));
	else
		pr_err("'%s': module removed by force while its patch is enabled; disabling it\n",
		       klpx_patch_name(patch));
	td.patch = patch;

	td.inway = klpx_inway_set_new();
	if (!td.inway) {
		ret = klpx_plan_nomem(patch, "cannot wait for its tasks",
				      -ENOMEM);
		goto err_unchecked;
	}
	list_add_tail(&td.node, &klpx_teardowns);
	if (replacing) {
		ret = klpx_patch_disable_waiting(&td, &patch->replaced);
		if (!ret)
			goto out;
		/* Those left for good already when a module came or went. */
		if (ret != -ECANCELED) {
			pr_err("'%s': cannot bring back the patches it replaced: %pe\n",
			       klpx_patch_name(patch), ERR_PTR(ret));
			klpx_replaced_leave(patch, released);
		}
	}
	ret = klpx_patch_disable_waiting(&td, NULL);
out:
	list_del(&td.node);
	klpx_inway_set_free(td.inway);
	if (!ret)
		goto done;
err_unchecked:
	/* Still there only when their leaving was not planned yet. */
	if (!list_empty(&patch->replaced))
		klpx_replaced_leave(patch, released);
	pr_err("'%s': disabling it without the activeness check: %pe\n",
	       klpx_patch_name(patch), ERR_PTR(ret));
	__klpx_disable_patch(patch, false, NULL);
done:
	list_add_tail(&patch->list, gone);
}

/**
 * klpx_patch_run_exit() - run the exit a forced removal skipped
 * @mod:	a module removed by force, whose patch left with its exit
 *		given back: its own patch torn down here, or a patch that a
 *		pending replace had switched off, released in the GOING
 *		notification (the removal found no exit to run either way)
 *
 * Context: klpx_mutex NOT held; sleeps (the exit may).
 */
void klpx_patch_run_exit(struct module *mod)
{
#ifdef CONFIG_MODULE_UNLOAD
	if (mod->exit)
		mod->exit();
#endif
}

/**
 * klpx_patch_release_orphans() - finish what klpx_patch_teardown_orphan() began
 * @gone:	the patches it returned; emptied
 * @run_exit:	the module was removed by force: run the exit klpx held back
 *
 * Removes the patches' sysfs directories and drops their module references.
 * A forced removal skipped the module's exit, which klpx was holding back;
 * it runs now, after the patch is gone, as a removal would have run it.
 * Then waits until no patch disabled or replaced earlier is still being
 * released: a forced removal may have caught one of those half-way, and
 * its module's memory must outlast that.
 *
 * Context: klpx_mutex NOT held; sleeps.
 */
void klpx_patch_release_orphans(struct list_head *gone, bool run_exit)
{
	struct klpx_patch *patch, *tmp;
	struct module *mod;

	list_for_each_entry_safe(patch, tmp, gone, list) {
		list_del_init(&patch->list);
		klpx_patch_dir_del(patch);
		mod = patch->mod;
		module_put(mod);
		/* Given back by the disable. */
		if (run_exit)
			klpx_patch_run_exit(mod);
	}
	klpx_patch_wait_released();
}
