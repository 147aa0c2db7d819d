// SPDX-License-Identifier: GPL-2.0
/*
 * lifetime.c - a patch module stays while its patch is enabled.
 *
 * klpx takes a reference on the module of an enabled patch.  On its own,
 * that makes delete_module() answer -EAGAIN ("try again"), which says
 * nothing true: the patch does not go away by waiting.  A module with an
 * init and no exit is one the kernel refuses to remove with -EBUSY (and
 * /proc/modules shows as [permanent]), so klpx also holds the module's
 * exit back for as long as the patch is enabled: busybox's rmmod, which
 * asks the kernel, then fails with "Device or resource busy"; kmod's
 * reads the reference count first and says the module "is in use".
 *
 * delete_module() reads a module's exit under module_mutex, and so do
 * hold and give back.  A module that had no exit gets a no-op one when
 * its patch is disabled: a disabled patch's module can always be removed.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include "core.h"

/* kernel/module/internal.h, which modules cannot include */
extern struct mutex module_mutex;

KLPX_SYMBOLS(vmlinux, KLPX_SYMPOS(module_mutex, 0));

/* The exit of a patch module that had none, once its patch is disabled. */
static void klpx_patch_module_noop_exit(void)
{
}

/**
 * klpx_patch_hold_exit() - make an enabled patch's module permanent
 * @patch:	a patch becoming enabled
 *
 * Context: klpx_mutex held; sleeps (module_mutex).
 */
void klpx_patch_hold_exit(struct klpx_patch *patch)
{
	lockdep_assert_held(&klpx_mutex);
#ifdef CONFIG_MODULE_UNLOAD
	mutex_lock(&module_mutex);
	patch->mod_exit = patch->mod->exit;
	patch->mod->exit = NULL;
	mutex_unlock(&module_mutex);
#endif
}

/**
 * klpx_patch_give_exit() - undo klpx_patch_hold_exit()
 * @patch:	a patch leaving the enabled ones
 *
 * Context: klpx_mutex held; sleeps (module_mutex).
 */
void klpx_patch_give_exit(struct klpx_patch *patch)
{
	lockdep_assert_held(&klpx_mutex);
#ifdef CONFIG_MODULE_UNLOAD
	mutex_lock(&module_mutex);
	patch->mod->exit = patch->mod_exit ? patch->mod_exit :
			   klpx_patch_module_noop_exit;
	patch->mod_exit = NULL;
	mutex_unlock(&module_mutex);
#endif
}
