// SPDX-License-Identifier: GPL-2.0
/*
 * replace.c - an atomic replace: the patches it replaced leave for good,
 * at once or, for a replace enabled from its module's init, once that
 * init can no longer fail (they come back should it fail).
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/module.h>
#include <linux/rcupdate.h>
#include "core.h"

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
		klpx_patch_releasing_begin();
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
 * klpx_replace_done() - the switch of an atomic replace happened
 * @patch:	the patch just enabled; its ->replaced are switched off
 * @released:	as for klpx_patch_settle_replace()
 *
 * Enabled from its module's init, the init may still fail: the replace
 * stays pending until it is settled.  Otherwise the replaced patches
 * leave for good now.  Nothing happens for a patch that replaced none.
 *
 * Context: klpx_mutex held; sleeps (garbage collection).
 */
void klpx_replace_done(struct klpx_patch *patch, struct list_head *released)
{
	lockdep_assert_held(&klpx_mutex);

	/* Enabled from its init: the init may still fail. */
	if (list_empty(&patch->replaced))
		return;
	if (READ_ONCE(patch->mod->state) == MODULE_STATE_COMING)
		klpx_replacing = patch;
	else
		klpx_replaced_leave(patch, released);
}
