// SPDX-License-Identifier: GPL-2.0
/*
 * orphan.c - a patch module that goes away while its patch is enabled.
 *
 * While its patch is enabled a module keeps a reference and has no exit,
 * so rmmod refuses it; only a failed init and a forced removal still free
 * it.  The module notifier calls in here at GOING, first in the chain,
 * while the module's code and data are still there.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/bug.h>
#include <linux/module.h>
#include "core.h"

/*
 * The patch whose module's GOING notification is tearing it down, or
 * NULL; guarded by klpx_mutex.  Its switches wait on even when the task
 * is killed: the code goes when the notification returns.
 */
struct klpx_patch *klpx_teardown;

/* Wait, as long as it takes, for every task to be out of @patch's code. */
static int klpx_patch_disable_waiting(struct klpx_patch *patch,
				      struct list_head *restore)
{
	int ret;

	klpx_teardown = patch;
	do {
		ret = __klpx_disable_patch(patch, true, restore);
	} while (ret == -EBUSY);
	klpx_teardown = NULL;
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
 * the others are waited for (the log says for whom), even when the task
 * tearing down is killed.  When the patch was an atomic replace, the
 * patches it replaced come back in the same step, as they were; if that
 * cannot be planned (no memory) or ftrace refuses their functions, they
 * leave for good and the patch alone is disabled.  Only a failure to plan
 * that (no memory) makes it switch back unchecked.  This
 * runs first among the GOING notifiers, where the module's exit would
 * have run, before the kernel tears down its jump labels, static calls
 * and the like.
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_patch_teardown_orphan(struct module *mod, bool init_failed,
				struct list_head *gone,
				struct list_head *released)
{
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

	if (replacing) {
		ret = klpx_patch_disable_waiting(patch, &patch->replaced);
		if (!ret)
			goto out;
		pr_err("'%s': cannot bring back the patches it replaced: %pe\n",
		       klpx_patch_name(patch), ERR_PTR(ret));
		klpx_replaced_leave(patch, released);
	}
	ret = klpx_patch_disable_waiting(patch, NULL);
	if (ret) {
		pr_err("'%s': disabling it without the activeness check: %pe\n",
		       klpx_patch_name(patch), ERR_PTR(ret));
		__klpx_disable_patch(patch, false, NULL);
	}
out:
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
		klpx_sysfs_del_patch(patch);
		mod = patch->mod;
		module_put(mod);
		/* Given back by the disable. */
		if (run_exit)
			klpx_patch_run_exit(mod);
	}
	klpx_patch_wait_released();
}
