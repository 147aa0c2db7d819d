// SPDX-License-Identifier: GPL-2.0
/*
 * object.c - one object of a patch: its checks, the resolution of its
 * functions and symbols, its callbacks, and its functions' stacks.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include "core.h"

/* ---- callbacks ---------------------------------------------------- */

int klpx_pre_patch(struct klpx_object *obj)
{
	int ret;

	if (!obj->callbacks.pre_patch)
		return 0;
	ret = obj->callbacks.pre_patch(obj);
	if (ret)
		pr_err("'%s': pre_patch of %s failed: %pe\n",
		       klpx_patch_name(obj->patch), klpx_object_name(obj),
		       ERR_PTR(ret));
	return ret;
}

void klpx_post_patch(struct klpx_object *obj)
{
	if (obj->callbacks.post_patch)
		obj->callbacks.post_patch(obj);
}

void klpx_pre_unpatch(struct klpx_object *obj)
{
	if (obj->callbacks.pre_unpatch)
		obj->callbacks.pre_unpatch(obj);
}

void klpx_post_unpatch(struct klpx_object *obj)
{
	if (obj->callbacks.post_unpatch)
		obj->callbacks.post_unpatch(obj);
}

/* ---- resolution ---------------------------------------------------- */

/*
 * Find the functions an object replaces, then write the addresses of the
 * module symbols its patch lists (KLPX_SYMBOLS()): both before pre_patch.
 */
int klpx_object_resolve(struct klpx_object *obj)
{
	struct klpx_func *func;
	int ret;

	klpx_for_each_func(obj, func) {
		ret = klpx_resolve_func(func);
		if (ret)
			return ret;
	}
	return klpx_symbols_resolve(obj);
}

/* The object's module is no longer patched: forget it, and its symbols. */
void klpx_object_detach(struct klpx_object *obj)
{
	klpx_symbols_clear(obj);
	obj->mod = NULL;
}

int klpx_patch_check_duplicates(struct klpx_patch *patch)
{
	struct klpx_func *func = klpx_plan_duplicate_func(patch);

	if (!func)
		return 0;
	pr_err("'%s': function '%s' of %s is replaced twice\n",
	       klpx_patch_name(patch), func->old_name,
	       klpx_object_name(func->obj));
	return -EINVAL;
}

void klpx_object_forget_stacks(struct klpx_object *obj)
{
	struct klpx_func *func;

	klpx_for_each_func(obj, func)
		if (!func->patched)
			func->stack = NULL;
}

/*
 * Take @obj's functions off their stacks without stopping the machine,
 * for code that goes away whether or not a switch could be planned.  Each
 * unlink is seen by the handler whole, under RCU, but not all of them at
 * once: only for when nothing better is possible.
 */
void klpx_object_unlink(struct klpx_object *obj)
{
	struct klpx_func *func;

	klpx_for_each_func(obj, func) {
		if (!func->patched)
			continue;
		list_del_rcu(&func->stack_node);
		func->patched = false;
	}
}

/*
 * A module object's name must be one a loaded module can have, and must
 * not take a name the patch's sysfs directory already uses.  The kernel
 * turns '-' into '_' when it loads a module, so a name with '-' would
 * never match: it is refused rather than rewritten, so that the name in
 * sysfs and in the logs stays the one the author wrote and the mistake
 * shows at once.
 */
static int klpx_object_check_name(struct klpx_object *obj)
{
	const char *patch = klpx_patch_name(obj->patch);
	const char *name = obj->name;

	if (!name)
		return 0;
	if (!*name || strlen(name) >= MODULE_NAME_LEN) {
		pr_err("'%s': object name '%s' cannot be a module's name (1 to %zu characters)\n",
		       patch, name, MODULE_NAME_LEN - 1);
		return -EINVAL;
	}
	if (strchr(name, '-')) {
		pr_err("'%s': object name '%s' never matches: loaded modules are named with '_' where their file has '-'\n",
		       patch, name);
		return -EINVAL;
	}
	if (!strcmp(name, "vmlinux")) {
		pr_err("'%s': object name 'vmlinux': the vmlinux object is the one whose name is NULL\n",
		       patch);
		return -EINVAL;
	}
	if (!strcmp(name, "enabled") || !strcmp(name, "replace") ||
	    !strcmp(name, "transition")) {
		pr_err("'%s': object name '%s' is taken by a file of the patch's sysfs directory\n",
		       patch, name);
		return -EINVAL;
	}
	return 0;
}

/* Check what the author filled in and reset what klpx owns. */
int klpx_patch_init(struct klpx_patch *patch)
{
	struct klpx_object *obj, *other;
	struct klpx_shadow_type *type;
	struct klpx_func *func;

	obj = klpx_plan_duplicate_object(patch);
	if (obj) {
		pr_err("'%s': object %s appears twice\n",
		       klpx_patch_name(patch), klpx_object_name(obj));
		return -EINVAL;
	}
	/* Caught late, the second registration would fail, or a module load. */
	type = klpx_plan_duplicate_type(patch, &other, &obj);
	if (type) {
		pr_err("'%s': shadow type %s (id 0x%lx) is listed by %s and again by %s: each object needs a struct of its own (the same id is fine)\n",
		       klpx_patch_name(patch),
		       type->name ? type->name : "(null)", type->id,
		       klpx_object_name(other), klpx_object_name(obj));
		return -EINVAL;
	}

	INIT_LIST_HEAD(&patch->list);
	INIT_LIST_HEAD(&patch->replaced);
	patch->kobj = NULL;
	patch->enabled = false;
	klpx_for_each_object(patch, obj) {
		obj->patch = patch;
		if (klpx_object_check_name(obj))
			return -EINVAL;
		obj->mod = NULL;
		obj->kobj = NULL;
		obj->nr_types = 0;
		obj->patched = false;
		obj->relocated = false;
		klpx_for_each_func(obj, func) {
			if (!func->new_func) {
				pr_err("'%s': '%s' of %s has no replacement\n",
				       klpx_patch_name(patch), func->old_name,
				       klpx_object_name(obj));
				return -EINVAL;
			}
			func->obj = obj;
			func->old_addr = 0;
			func->old_size = 0;
			func->new_size = 0;
			func->stack = NULL;
			INIT_LIST_HEAD(&func->stack_node);
			func->patched = false;
		}
	}
	return klpx_symbols_check(patch);
}
