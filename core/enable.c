// SPDX-License-Identifier: GPL-2.0
/*
 * enable.c - enabling a patch, in order: validate, resolve, register
 * types, plan, switch, commit.
 *
 * A patch owns the shadow types its loaded objects declare.  They are
 * registered before the switch that makes the patch's code run, and
 * unregistered after the switch that stops it; the registry
 * garbage-collects an id when its last registration goes.  For an atomic
 * replace this gives the handover: a type carried by the old and the new
 * patch never drops to zero registrations, a type only the old patch had
 * is collected with the old patch's destructor while its module is still
 * pinned.
 *
 * Every failure before the switch unwinds in reverse order and leaves no
 * trace; nothing after the switch can fail.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/panic.h>
#include "core.h"
#include "trace.h"

/* ---- validate ---------------------------------------------------- */

/*
 * Ask plan_check.c what the author got wrong, and say it: the first fault
 * found, -EINVAL.
 */
static int klpx_patch_check(struct klpx_patch *patch)
{
	const char *name = klpx_patch_name(patch);
	const struct klpx_shadow_type *type;
	const struct klpx_object *obj;
	struct klpx_plan_check check;

	if (!klpx_plan_check_patch(patch, &check))
		return 0;
	type = check.type;
	obj = check.obj;
	switch (check.fault) {
	case KLPX_FAULT_OBJECT_TWICE:
		pr_err("'%s': object %s appears twice\n",
		       name, klpx_object_name(obj));
		break;
	case KLPX_FAULT_TYPE_TWICE:
		pr_err("'%s': shadow type %s (id 0x%lx) is listed by %s and again by %s: each object needs a struct of its own (the same id is fine)\n",
		       name, type->name ? type->name : "(null)", type->id,
		       klpx_object_name(check.other), klpx_object_name(obj));
		break;
	case KLPX_FAULT_NAME_LENGTH:
		pr_err("'%s': object name '%s' cannot be a module's name (1 to %zu characters)\n",
		       name, obj->name, MODULE_NAME_LEN - 1);
		break;
	case KLPX_FAULT_NAME_DASH:
		pr_err("'%s': object name '%s' never matches: loaded modules are named with '_' where their file has '-'\n",
		       name, obj->name);
		break;
	case KLPX_FAULT_NAME_VMLINUX:
		pr_err("'%s': object name 'vmlinux': the vmlinux object is the one whose name is NULL\n",
		       name);
		break;
	case KLPX_FAULT_NAME_FILE:
		pr_err("'%s': object name '%s' is taken by a file of the patch's sysfs directory\n",
		       name, obj->name);
		break;
	case KLPX_FAULT_NO_REPLACEMENT:
		pr_err("'%s': '%s' of %s has no replacement\n",
		       name, check.func->old_name, klpx_object_name(obj));
		break;
	case KLPX_FAULT_NONE:
		break;
	}
	return -EINVAL;
}

/*
 * Reset what klpx owns, then check what the author filled in: what
 * plan_check.c decides, then what symbols.c does.
 */
static int klpx_patch_init(struct klpx_patch *patch)
{
	struct klpx_object *obj;
	struct klpx_func *func;
	int ret;

	INIT_LIST_HEAD(&patch->list);
	INIT_LIST_HEAD(&patch->replaced);
	patch->kobj = NULL;
	patch->enabled = false;
	klpx_for_each_object(patch, obj) {
		obj->patch = patch;
		obj->mod = NULL;
		obj->kobj = NULL;
		obj->nr_types = 0;
		obj->patched = false;
		obj->relocated = false;
		klpx_for_each_func(obj, func) {
			func->obj = obj;
			func->old_addr = 0;
			func->old_size = 0;
			func->new_size = 0;
			func->stack = NULL;
			INIT_LIST_HEAD(&func->stack_node);
			func->patched = false;
		}
	}

	ret = klpx_patch_check(patch);
	if (ret)
		return ret;
	return klpx_symbols_check(patch);
}

/* ---- resolve, register types, callbacks, stacks ------------------- */

/*
 * Everything before the switch.  On failure, undoes its own steps and
 * returns the errno; the caller still owns sysfs and the module reference.
 */
static int klpx_patch_prepare(struct klpx_patch *patch)
{
	struct klpx_object *obj, *failed = NULL;
	int ret;

	klpx_for_each_object(patch, obj)
		if (obj->name)
			obj->mod = klpx_module_live(obj->name);

	klpx_for_each_object(patch, obj) {
		if (!klpx_object_loaded(obj))
			continue;
		ret = klpx_object_resolve(obj);
		if (ret)
			goto err_detach;
	}
	ret = klpx_patch_check_duplicates(patch);
	if (ret)
		goto err_detach;

	klpx_for_each_object(patch, obj) {
		if (!klpx_object_loaded(obj))
			continue;
		ret = klpx_object_register_types(obj);
		if (ret)
			goto err_types;
	}

	klpx_for_each_object(patch, obj) {
		if (!klpx_object_loaded(obj))
			continue;
		ret = klpx_pre_patch(obj);
		if (ret) {
			failed = obj;
			goto err_callbacks;
		}
	}

	klpx_for_each_object(patch, obj) {
		if (!klpx_object_loaded(obj))
			continue;
		ret = klpx_redirect_prepare(obj);
		if (ret)
			goto err_redirect;
	}
	ret = klpx_redirect_hook();
	if (ret)
		goto err_redirect;
	return 0;

err_redirect:
	klpx_redirect_release();
	klpx_for_each_object(patch, obj)
		klpx_object_forget_stacks(obj);
err_callbacks:
	/* As upstream: an object whose pre_patch ran gets its post_unpatch. */
	klpx_for_each_object(patch, obj) {
		if (obj == failed)
			break;
		if (klpx_object_loaded(obj))
			klpx_post_unpatch(obj);
	}
err_types:
	klpx_for_each_object(patch, obj)
		klpx_object_unregister_types(obj);
err_detach:
	klpx_for_each_object(patch, obj)
		klpx_object_detach(obj);
	return ret;
}

/* Undo klpx_patch_prepare() after a switch that did not happen. */
static void klpx_patch_unprepare(struct klpx_patch *patch)
{
	struct klpx_object *obj;

	klpx_redirect_release();
	klpx_for_each_object(patch, obj) {
		klpx_object_forget_stacks(obj);
		if (klpx_object_loaded(obj))
			klpx_post_unpatch(obj);
	}
	klpx_for_each_object(patch, obj) {
		klpx_object_unregister_types(obj);
		klpx_object_detach(obj);
	}
}

/**
 * __klpx_enable_patch() - prepare, switch, and what follows the switch
 * @patch:	a patch with its sysfs directory and module reference
 * @released:	receives replaced patches; hand them to
 *		klpx_patch_release_left() once klpx_mutex is dropped
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0; a negative errno with nothing changed; -EINPROGRESS, nothing
 * changed either, when the asking task stands in code the switch changes
 * (logged; klpx_defer_queue() can leave the enable to its return).
 */
int __klpx_enable_patch(struct klpx_patch *patch, struct list_head *released)
{
	struct klpx_switch sw;
	struct klpx_object *obj;
	struct klpx_patch *old;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	/* A teardown waiting without klpx_mutex counts on what it found. */
	ret = klpx_teardown_refuse_enable(patch);
	if (ret)
		return ret;
	ret = klpx_patch_prepare(patch);
	if (ret)
		return ret;

	ret = klpx_plan_enable(&sw, patch, &klpx_patches, true);
	if (!ret) {
		ret = klpx_switch_run(&sw, patch);
		klpx_plan_free(&sw);
	} else {
		klpx_plan_nomem(patch, "cannot enable", ret);
	}
	if (ret) {
		klpx_patch_unprepare(patch);
		return ret;
	}

	/* The switch happened: nothing below fails. */
	if (patch->replace)
		list_splice_init(&klpx_patches, &patch->replaced);
	list_add_tail(&patch->list, &klpx_patches);
	WRITE_ONCE(patch->enabled, true);
	klpx_patch_hold_exit(patch);
	klpx_for_each_object(patch, obj)
		if (klpx_object_loaded(obj))
			WRITE_ONCE(obj->patched, true);

	/* Replaced patches leave without their callbacks, as upstream. */
	list_for_each_entry(old, &patch->replaced, list) {
		pr_info("'%s': replaced by '%s'\n", klpx_patch_name(old),
			klpx_patch_name(patch));
		WRITE_ONCE(old->enabled, false);
		klpx_for_each_object(old, obj)
			WRITE_ONCE(obj->patched, false);
	}

	klpx_for_each_object(patch, obj)
		if (klpx_object_loaded(obj))
			klpx_post_patch(obj);
	klpx_redirect_release_switched();
	add_taint(TAINT_LIVEPATCH, LOCKDEP_STILL_OK);

	klpx_replace_done(patch, released);
	return 0;
}

/**
 * klpx_enable_patch() - enable a live patch
 * @patch:	the patch, filled by its author; @patch->mod is THIS_MODULE
 *
 * Resolves every function of every loaded object, registers the objects'
 * shadow types, runs their pre_patch callbacks, switches every function
 * at once (for an atomic replace, every function of every other enabled
 * patch reverts or moves to @patch in the same step), runs post_patch,
 * and for a replace unregisters the replaced patches' shadow types, which
 * garbage-collects the ids @patch does not carry, and releases them.
 * Objects of modules that are not loaded are patched when they load.
 *
 * The patch module stays pinned while the patch is enabled (rmmod fails
 * with -EBUSY); writing 0 to /sys/kernel/klpx/<patch>/enabled disables it
 * and unpins it.  A module has at most one enabled patch.
 *
 * The init must not fail once this returned 0: the kernel would free the
 * module with its patch enabled.  klpx then WARNs and disables the patch
 * while the module is still there; the patches a replace replaced are
 * enabled again as they were, shadow variables included, since they leave
 * for good only when the init has succeeded.
 *
 * When the calling task itself stands in code the switch changes (a patch
 * of the module-load path), it returns 0 with the switch pending (the
 * patch's "transition" file reads 1): everything is undone, and done
 * again, switch included, when that task returns to user mode (defer.c);
 * should that fail, it is logged and the patch leaves as a failed enable
 * would.  The pre_patch callbacks then run twice, the first run answered
 * by post_unpatch.
 *
 * Context: process context, from the patch module's init; sleeps.
 * Return: 0, or a negative errno with nothing changed: -EINVAL (bad or
 * reused patch, the module's other patch is enabled, ambiguous symbol,
 * shadow type conflict, shadow type struct listed twice, object name no
 * module can have), -ENOENT (unknown symbol), -EBUSY (a task stayed
 * inside changed code, another ftrace user owns a function, or ftrace is
 * disabled, or the patch is an atomic replace while a patch whose module
 * goes is being torn down, or any patch while such a teardown brings
 * back the patches it replaced, or the calling task stands in changed
 * code and cannot leave the switch to its return to user mode: a
 * kthread, an io_uring or other user worker, a task with frames in more
 * than 8 modules), -ENODEV (the
 * patch module is going away), -ESRCH (the calling task is exiting and
 * stands in changed code), -ENOMEM, or what a pre_patch callback
 * returned.  0 with the switch pending is not yet an enabled patch: its
 * outcome is logged when the step is taken.
 */
int klpx_enable_patch(struct klpx_patch *patch)
{
	LIST_HEAD(released);
	int ret;

	if (!patch || !patch->mod || !patch->objs) {
		pr_err("%s: patch, its module and its objects are required\n",
		       __func__);
		return -EINVAL;
	}
	if (!try_module_get(patch->mod)) {
		pr_err("'%s': cannot enable: the module is going away\n",
		       klpx_patch_name(patch));
		return -ENODEV;
	}

	mutex_lock(&klpx_mutex);
	klpx_patch_settle_replace(&released);
	if (patch->used) {
		pr_err("'%s': a patch is enabled once; reload its module\n",
		       klpx_patch_name(patch));
		ret = -EINVAL;
		goto err_unpin;
	}
	if (klpx_module_has_patch(patch->mod)) {
		pr_err("'%s': the module already has an enabled patch; a module enables one patch at a time\n",
		       klpx_patch_name(patch));
		ret = -EINVAL;
		goto err_unpin;
	}
	patch->used = true;
	pr_info("enabling patch '%s'\n", klpx_patch_name(patch));

	ret = klpx_patch_init(patch);
	if (ret)
		goto err_unlock;
	ret = klpx_patch_dir_add(patch);
	if (ret) {
		pr_err("'%s': cannot create its sysfs directory: %pe\n",
		       klpx_patch_name(patch), ERR_PTR(ret));
		goto err_unlock;
	}
	ret = __klpx_enable_patch(patch, &released);
	/*
	 * Standing in changed code: the step waits for our return, and its
	 * outcome is traced when it is taken.
	 */
	if (ret == -EINPROGRESS) {
		ret = klpx_defer_queue(patch, false, __klpx_enable_patch);
		if (ret)
			trace_klpx_patch_enable(klpx_patch_name(patch),
						patch->replace, ret);
	} else {
		trace_klpx_patch_enable(klpx_patch_name(patch),
					patch->replace, ret);
		if (!ret)
			pr_info("'%s': enabled\n", klpx_patch_name(patch));
	}
	if (ret)
		goto err_unlock;
	mutex_unlock(&klpx_mutex);
	klpx_patch_release_left(&released);
	return 0;

err_unlock:
	mutex_unlock(&klpx_mutex);
	klpx_patch_release_left(&released);
	klpx_patch_dir_del(patch);
	module_put(patch->mod);
	return ret;

err_unpin:
	mutex_unlock(&klpx_mutex);
	klpx_patch_release_left(&released);
	module_put(patch->mod);
	return ret;
}
EXPORT_SYMBOL_GPL(klpx_enable_patch);
