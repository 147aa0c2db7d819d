// SPDX-License-Identifier: GPL-2.0
/*
 * disable.c - disabling a patch: its pre_unpatch callbacks, the switch
 * that takes it off (bringing back the patches it replaced, for a
 * teardown that undoes a replace), and what follows the switch.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include "core.h"
#include "trace.h"

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
 * klpx_disable_deferred() - a disable left to the writer's return
 * @patch:	the patch a write of 0 to "enabled" asked to disable
 * @released:	unused: a disable replaces nothing
 *
 * What a write of 0 to "enabled" would do, for klpx_defer_queue().
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0 when disabled; -EALREADY when @patch is no longer enabled;
 * else as __klpx_disable_patch().
 */
int klpx_disable_deferred(struct klpx_patch *patch, struct list_head *released)
{
	if (!patch->enabled)
		return -EALREADY;
	return __klpx_disable_patch(patch, true, NULL);
}
