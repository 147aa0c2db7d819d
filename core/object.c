// SPDX-License-Identifier: GPL-2.0
/*
 * object.c - one object of a patch: the resolution of its functions and
 * symbols, its callbacks, and its functions' stacks.
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
