// SPDX-License-Identifier: GPL-2.0
/*
 * release.c - the enabled and the pending patches, and a patch that
 * leaves them: its directory, then its module reference, once klpx_mutex
 * is dropped, with a forced removal of its module waiting for both.
 *
 * The directory belongs to the interface (sysfs.c), which registers how
 * to create and remove it (struct klpx_dir_ops) at init: the lifecycle
 * never calls up into it by name.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/wait.h>
#include "core.h"

/* What it serialises: see the concurrency notes in core.h. */
DEFINE_MUTEX(klpx_mutex);

/* The enabled patches, oldest first; guarded by klpx_mutex. */
LIST_HEAD(klpx_patches);

/*
 * The patches whose enable is left to the asking task's return to user
 * mode (defer.c), until the task takes the step or their module goes;
 * guarded by klpx_mutex.  Like an enabled patch, such a patch is the one
 * patch of its module.
 */
LIST_HEAD(klpx_pending);

/*
 * Patches that left klpx_patches (disabled or replaced) whose sysfs
 * directory and module reference are still being released, after
 * klpx_mutex was dropped.  Raised under klpx_mutex as a patch leaves,
 * lowered once nothing of it is touched any more.  Only a forced removal
 * can free such a module meanwhile; its GOING waits for zero.
 */
static atomic_t klpx_nr_releasing = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(klpx_released_wq);

/**
 * klpx_patch_releasing_done() - a patch counted by klpx_patch_releasing_begin()
 * is released
 *
 * Context: any.
 */
void klpx_patch_releasing_done(void)
{
	if (atomic_dec_and_test(&klpx_nr_releasing))
		wake_up_all(&klpx_released_wq);
}

/* The interface's directories; set once at init, before any patch. */
static const struct klpx_dir_ops *klpx_dir;

/**
 * klpx_release_set_dir_ops() - how the interface shows a patch
 * @ops:	creates and removes a patch's directory
 *
 * Context: klpx's init, before any patch can be enabled.
 */
void klpx_release_set_dir_ops(const struct klpx_dir_ops *ops)
{
	klpx_dir = ops;
}

/**
 * klpx_patch_dir_add() - create the directory of a patch
 * @patch:	the patch
 *
 * As &klpx_dir_ops.add: what was created on failure stays, for
 * klpx_patch_dir_del() once klpx_mutex is dropped.
 *
 * Context: klpx_mutex held.
 * Return: 0, or a negative errno.
 */
int klpx_patch_dir_add(struct klpx_patch *patch)
{
	return klpx_dir->add(patch);
}

/**
 * klpx_patch_dir_del() - remove the directory of a patch, if it has one
 * @patch:	the patch
 *
 * Context: klpx_mutex NOT held; sleeps (waits for the users of its files).
 */
void klpx_patch_dir_del(struct klpx_patch *patch)
{
	klpx_dir->del(patch);
}

/**
 * klpx_patch_releasing_begin() - one more patch is being released
 *
 * A forced removal of a module waits until klpx_patch_releasing_done()
 * answered every call.
 *
 * Context: any.
 */
void klpx_patch_releasing_begin(void)
{
	atomic_inc(&klpx_nr_releasing);
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
		klpx_patch_dir_del(patch);
		module_put(patch->mod);
		klpx_patch_releasing_done();
	}
}
