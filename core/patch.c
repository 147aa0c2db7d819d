// SPDX-License-Identifier: GPL-2.0
/*
 * patch.c - the life of a patch: enable, atomic replace (undone when the
 * init that enabled it fails), and disable.
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
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/wait.h>
#include "core.h"
#include "../shadow/shadow.h"
#include "trace.h"

/* What it serialises: see the concurrency notes in core.h. */
DEFINE_MUTEX(klpx_mutex);

/* The enabled patches, oldest first; guarded by klpx_mutex. */
LIST_HEAD(klpx_patches);

/*
 * Patches that left klpx_patches (disabled or replaced) whose sysfs
 * directory and module reference are still being released, after
 * klpx_mutex was dropped.  Raised under klpx_mutex as a patch leaves,
 * lowered once nothing of it is touched any more.  Only a forced removal
 * can free such a module meanwhile; its GOING waits for zero.
 */
static atomic_t klpx_nr_releasing = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(klpx_released_wq);

static void klpx_releasing_done(void)
{
	if (atomic_dec_and_test(&klpx_nr_releasing))
		wake_up_all(&klpx_released_wq);
}

/*
 * The replace patch whose module's init has not returned yet, or NULL;
 * guarded by klpx_mutex.  The patches it replaced (on its ->replaced) are
 * switched off, but keep their shadow types, module references, exits and
 * symbols: should that init fail, they are switched back on as they were.
 * The replace becomes final when the init returns, or as soon as another
 * patch is enabled or disabled, or a module one of these patches is or
 * patches comes or goes (klpx_plan_replace_concerns()).  Other modules
 * may come and go meanwhile, as udev or the init itself may load them.
 */
static struct klpx_patch *klpx_replacing;

/*
 * The patches @patch replaced leave for good: the shadow types only they
 * held are garbage-collected with their destructors (their modules are
 * still pinned), their exits are given back and their symbols cleared.
 * They move to @released, for klpx_patch_release_left() once klpx_mutex
 * is dropped.
 */
void klpx_replaced_leave(struct klpx_patch *patch,
			 struct list_head *released)
{
	struct klpx_release rel;
	struct klpx_object *obj;
	struct klpx_patch *old;
	int ret;

	ret = klpx_plan_release_patches(&rel, &patch->replaced, &klpx_patches);
	klpx_release_patches(&rel, ret, &patch->replaced);
	/* No handler may still stand on a function a replaced patch owns. */
	synchronize_rcu();
	list_for_each_entry(old, &patch->replaced, list) {
		klpx_patch_give_exit(old);
		klpx_for_each_object(old, obj) {
			klpx_object_forget_stacks(obj);
			klpx_object_detach(obj);
		}
		atomic_inc(&klpx_nr_releasing);
	}
	list_splice_tail_init(&patch->replaced, released);
}

/**
 * klpx_patch_settle_replace() - make a pending atomic replace final
 * @released:	receives the replaced patches; hand them to
 *		klpx_patch_release_left() once klpx_mutex is dropped
 *
 * Context: klpx_mutex held; sleeps (garbage collection).
 */
void klpx_patch_settle_replace(struct list_head *released)
{
	struct klpx_patch *patch = klpx_replacing;

	lockdep_assert_held(&klpx_mutex);

	if (!patch)
		return;
	klpx_replacing = NULL;
	klpx_replaced_leave(patch, released);
}

/**
 * klpx_patch_settle_replace_for() - settle a pending replace a module touches
 * @mod:	a module that comes, becomes live or goes
 * @released:	as for klpx_patch_settle_replace()
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_patch_settle_replace_for(struct module *mod,
				   struct list_head *released)
{
	lockdep_assert_held(&klpx_mutex);

	if (klpx_replacing &&
	    klpx_plan_replace_concerns(klpx_replacing, mod, mod->name))
		klpx_patch_settle_replace(released);
}

/**
 * klpx_patch_take_replacing() - the replace a failed init leaves to undo
 * @mod:	a module going away
 * @init_failed: @mod's init failed
 * @released:	as for klpx_patch_settle_replace()
 *
 * Context: klpx_mutex held; sleeps.
 * Return: the pending replace @mod's failed init enabled, no longer
 * pending: the caller undoes it.  NULL otherwise, a pending replace that
 * @mod concerns settled.
 */
struct klpx_patch *klpx_patch_take_replacing(struct module *mod,
					     bool init_failed,
					     struct list_head *released)
{
	struct klpx_patch *patch = klpx_replacing;

	lockdep_assert_held(&klpx_mutex);

	if (patch && patch->mod == mod && init_failed) {
		klpx_replacing = NULL;
		return patch;
	}
	klpx_patch_settle_replace_for(mod, released);
	return NULL;
}

/**
 * klpx_patch_wait_released() - wait until no leaving patch is being released
 *
 * Context: klpx_mutex NOT held; sleeps.
 */
void klpx_patch_wait_released(void)
{
	wait_event(klpx_released_wq, !atomic_read(&klpx_nr_releasing));
}

/**
 * klpx_patch_leave() - hand a patch that leaves to klpx_patch_release_left()
 * @patch:	a patch on no list (disabled, or whose enable failed), its
 *		sysfs directory and module reference still held
 * @released:	the list handed to klpx_patch_release_left()
 *
 * It counts as being released from now on: a forced removal of its
 * module waits until klpx_patch_release_left() is done with it.
 *
 * Context: klpx_mutex held.
 */
void klpx_patch_leave(struct klpx_patch *patch, struct list_head *released)
{
	lockdep_assert_held(&klpx_mutex);
	atomic_inc(&klpx_nr_releasing);
	list_add_tail(&patch->list, released);
}

/**
 * klpx_patch_release_left() - release patches that left the enabled ones
 * @released:	the patches (by klpx_patch.list); emptied
 *
 * Removes their sysfs directories and drops their module references.
 *
 * Context: klpx_mutex NOT held (removal waits for writers of "enabled",
 * who take it); sleeps.
 */
void klpx_patch_release_left(struct list_head *released)
{
	struct klpx_patch *patch, *tmp;

	list_for_each_entry_safe(patch, tmp, released, list) {
		list_del_init(&patch->list);
		klpx_sysfs_del_patch(patch);
		module_put(patch->mod);
		klpx_releasing_done();
	}
}

/* Planning a switch allocates: say so when that is what failed. */
int klpx_plan_nomem(const struct klpx_patch *patch, const char *what,
		    int ret)
{
	pr_err("'%s': %s: no memory to plan the switch\n",
	       klpx_patch_name(patch), what);
	return ret;
}

/* ---- the patch module ---------------------------------------------- */

/* The patch of @mod on @patches (linked by klpx_patch.list), if any. */
struct klpx_patch *klpx_patch_find_module(struct list_head *patches,
					  struct module *mod)
{
	struct klpx_patch *patch;

	lockdep_assert_held(&klpx_mutex);

	list_for_each_entry(patch, patches, list)
		if (patch->mod == mod)
			return patch;
	return NULL;
}

/* The enabled patch of @mod, if it has one. */
struct klpx_patch *klpx_patch_of_module(struct module *mod)
{
	return klpx_patch_find_module(&klpx_patches, mod);
}

/* ---- enable --------------------------------------------------------- */

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

	/* Enabled from its init: the init may still fail. */
	if (list_empty(&patch->replaced))
		return 0;
	if (READ_ONCE(patch->mod->state) == MODULE_STATE_COMING)
		klpx_replacing = patch;
	else
		klpx_replaced_leave(patch, released);
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
	if (klpx_patch_of_module(patch->mod) ||
	    klpx_defer_enabling(patch->mod)) {
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
	ret = klpx_sysfs_add_patch(patch);
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
		ret = klpx_defer_queue(patch, false);
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
	klpx_sysfs_del_patch(patch);
	module_put(patch->mod);
	return ret;

err_unpin:
	mutex_unlock(&klpx_mutex);
	klpx_patch_release_left(&released);
	module_put(patch->mod);
	return ret;
}
EXPORT_SYMBOL_GPL(klpx_enable_patch);

/* ---- disable -------------------------------------------------------- */

/* Give the functions of the replaced patches' loaded objects stacks again. */
static int klpx_restore_prepare(struct list_head *replaced)
{
	struct klpx_object *obj;
	struct klpx_patch *old;
	int ret;

	list_for_each_entry(old, replaced, list)
		klpx_for_each_object(old, obj) {
			if (!klpx_object_loaded(obj))
				continue;
			ret = klpx_redirect_prepare(obj);
			if (ret)
				return ret;
		}
	return klpx_redirect_hook();
}

static void klpx_restore_unprepare(struct list_head *replaced)
{
	struct klpx_object *obj;
	struct klpx_patch *old;

	klpx_redirect_release();
	list_for_each_entry(old, replaced, list)
		klpx_for_each_object(old, obj)
			klpx_object_forget_stacks(obj);
}

/* The switch that takes @patch off, and puts @restore back if given. */
static int klpx_disable_switch(struct klpx_patch *patch, bool check,
			       struct list_head *restore)
{
	struct klpx_switch sw;
	int ret;

	if (restore) {
		ret = klpx_restore_prepare(restore);
		/*
		 * ftrace refused (another user redirects one of the functions,
		 * or ftrace is off): unlike a busy task, nothing the caller
		 * waits for changes that.
		 */
		if (ret == -EBUSY)
			ret = -EPERM;
		if (ret)
			goto err_restore;
		ret = klpx_plan_restore(&sw, patch, restore);
	} else {
		ret = klpx_plan_disable(&sw, patch, check);
	}
	if (ret) {
		klpx_plan_nomem(patch, !check ?
				"taking its functions off one at a time" :
				restore ? "cannot bring back what it replaced" :
				"cannot disable", ret);
		goto err_restore;
	}
	ret = klpx_switch_run(&sw, patch);
	klpx_plan_free(&sw);
	if (ret)
		goto err_restore;
	return 0;

err_restore:
	if (restore)
		klpx_restore_unprepare(restore);
	return ret;
}

/**
 * klpx_disable_begin() - a disable begins: its pre_unpatch callbacks
 * @patch:	an enabled patch
 *
 * Context: klpx_mutex held; sleeps (the callbacks may).
 */
void klpx_disable_begin(struct klpx_patch *patch)
{
	struct klpx_object *obj;

	lockdep_assert_held(&klpx_mutex);

	pr_info("disabling patch '%s'\n", klpx_patch_name(patch));
	klpx_for_each_object(patch, obj)
		if (obj->patched)
			klpx_pre_unpatch(obj);
}

/**
 * klpx_disable_attempt() - one switch that takes a patch off
 * @patch:	an enabled patch, klpx_disable_begin() done
 * @check:	wait for no task to be inside the code it changes; without,
 *		it cannot fail (for a patch whose code goes regardless)
 * @restore:	with @check: the patches @patch replaced come back in the
 *		same step; or NULL
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0 when the switch happened; else as klpx_switch_run(), or
 * -EPERM (ftrace refuses a function of @restore), -ENOMEM; nothing
 * changed then.
 */
int klpx_disable_attempt(struct klpx_patch *patch, bool check,
			 struct list_head *restore)
{
	struct klpx_object *obj;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	ret = klpx_disable_switch(patch, check, restore);
	if (ret && !check) {
		klpx_for_each_object(patch, obj)
			klpx_object_unlink(obj);
		ret = 0;
	}
	return ret;
}

/**
 * klpx_disable_refused() - a disable gives up: the patch stays enabled
 * @patch:	the patch
 * @check:	as given to klpx_disable_attempt()
 * @ret:	why, for the trace
 *
 * Answers the pre_unpatch callbacks with post_patch, as upstream.
 *
 * Context: klpx_mutex held; sleeps (the callbacks may).
 */
void klpx_disable_refused(struct klpx_patch *patch, bool check, int ret)
{
	struct klpx_object *obj;

	lockdep_assert_held(&klpx_mutex);

	klpx_for_each_object(patch, obj)
		if (obj->patched)
			klpx_post_patch(obj);
	trace_klpx_patch_disable(klpx_patch_name(patch), check, ret);
}

/**
 * klpx_disable_finish() - what follows the switch that took a patch off
 * @patch:	the patch, klpx_disable_attempt() returned 0
 * @check:	as given to klpx_disable_attempt()
 * @restore:	as given to klpx_disable_attempt(): these are enabled again
 *
 * Context: klpx_mutex held; sleeps.  Nothing here fails.
 */
void klpx_disable_finish(struct klpx_patch *patch, bool check,
			 struct list_head *restore)
{
	struct klpx_release rel;
	struct klpx_object *obj;
	struct klpx_patch *old;
	LIST_HEAD(leaving);
	int rel_ret;

	lockdep_assert_held(&klpx_mutex);

	list_move(&patch->list, &leaving);
	if (restore) {
		list_for_each_entry(old, restore, list) {
			WRITE_ONCE(old->enabled, true);
			klpx_for_each_object(old, obj)
				if (klpx_object_loaded(obj))
					WRITE_ONCE(obj->patched, true);
			pr_info("'%s': enabled again\n", klpx_patch_name(old));
		}
		WARN_ON_ONCE(!list_empty(&klpx_patches));
		list_splice_tail_init(restore, &klpx_patches);
	}
	WRITE_ONCE(patch->enabled, false);
	klpx_patch_give_exit(patch);
	klpx_for_each_object(patch, obj) {
		if (!obj->patched)
			continue;
		WRITE_ONCE(obj->patched, false);
		klpx_post_unpatch(obj);
	}

	rel_ret = klpx_plan_release_patches(&rel, &leaving, &klpx_patches);
	klpx_release_patches(&rel, rel_ret, &leaving);
	list_del_init(&patch->list);

	klpx_redirect_release_switched();
	synchronize_rcu();
	klpx_for_each_object(patch, obj)
		klpx_object_detach(obj);
	pr_info("'%s': disabled\n", klpx_patch_name(patch));
	trace_klpx_patch_disable(klpx_patch_name(patch), check, 0);
}

/*
 * Disable an enabled patch.  With @check, the switch back waits for no task
 * to be inside the code it changes, and may fail; without, it cannot fail:
 * for a patch whose code goes away regardless.  With @restore (checked),
 * the patches @patch replaced come back in the same step.
 */
int __klpx_disable_patch(struct klpx_patch *patch, bool check,
			 struct list_head *restore)
{
	int ret;

	lockdep_assert_held(&klpx_mutex);

	klpx_disable_begin(patch);
	ret = klpx_disable_attempt(patch, check, restore);
	if (ret) {
		/* Still enabled: the pre_unpatch is answered, as upstream. */
		klpx_disable_refused(patch, check, ret);
		return ret;
	}
	klpx_disable_finish(patch, check, restore);
	return 0;
}

/**
 * klpx_patch_disable_store() - disable a patch on behalf of its sysfs file
 * @patch:	the patch
 * @kobj:	its sysfs directory
 * @attr:	the file being written ("enabled")
 *
 * Disables @patch, removes its sysfs directory and unpins its module, all
 * before returning, so that "echo 0 > enabled; rmmod" works.  When the
 * writer itself stands in code the disable changes (a patch of the
 * sysfs-write path), the disable is left to its return to user mode
 * (defer.c): it returns 0 with the switch pending.
 *
 * Context: a sysfs store; sleeps.
 * Return: 0 (for a deferred disable: with the switch pending, its
 * outcome logged when the step is taken); -EINVAL when @patch is not
 * enabled; -EBUSY (it stays enabled) when a task stayed inside its code,
 * when its enable is still pending, when its module is going and its
 * teardown disables it already, or when the writer stands in its
 * code and cannot leave the disable to its return (a kthread or worker,
 * frames in more than 8 modules); -ENODEV (the patch module is going
 * away); -ESRCH (the writer is exiting); -EINTR (the writer was killed
 * while waiting); -ENOMEM.
 */
int klpx_patch_disable_store(struct klpx_patch *patch, struct kobject *kobj,
			     const struct attribute *attr)
{
	struct kernfs_node *kn = NULL;
	bool removing, disabled, deferred;
	LIST_HEAD(released);
	int ret;

	mutex_lock(&klpx_mutex);
	klpx_patch_settle_replace(&released);
	if (klpx_teardown_of(patch)) {
		/* Its module goes: the teardown disables it already. */
		pr_err("'%s': cannot disable: its module is going and its teardown is waiting for tasks to leave its code\n",
		       klpx_patch_name(patch));
		ret = -EBUSY;
	} else if (patch->enabled) {
		ret = __klpx_disable_patch(patch, true, NULL);
	} else {
		ret = klpx_defer_refuse_disable(patch);
	}
	/* The writer stands in the code: the disable waits for its return. */
	deferred = ret == -EINPROGRESS;
	if (deferred)
		ret = klpx_defer_queue(patch, true);
	/*
	 * We are writing a file of a directory that goes now: @patch's, or
	 * that of a patch replaced while we waited for klpx_mutex, which may
	 * be @patch itself.  Removal waits for writers, us included, unless
	 * we step out of that count.  Any other writer is either done or
	 * will find the patch disabled.  Out of it, we count as releasing
	 * until we are done: that holds @patch's module and klpx.ko.
	 */
	disabled = !ret && !deferred;
	removing = disabled || !list_empty(&released);
	if (removing)
		atomic_inc(&klpx_nr_releasing);
	mutex_unlock(&klpx_mutex);

	if (removing)
		kn = sysfs_break_active_protection(kobj, attr);
	klpx_patch_release_left(&released);
	if (disabled)
		klpx_sysfs_del_patch(patch);
	if (kn)
		sysfs_unbreak_active_protection(kn);
	if (disabled)
		module_put(patch->mod);
	if (removing)
		klpx_releasing_done();
	return ret;
}
