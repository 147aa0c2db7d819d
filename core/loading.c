// SPDX-License-Identifier: GPL-2.0
/*
 * loading.c - objects whose module loads after their patch, or goes away.
 *
 * The objects of every enabled patch that name a module are patched when
 * it reaches MODULE_STATE_COMING (its code is in place, ftrace knows its
 * functions, its init has not run yet) and unpatched at
 * MODULE_STATE_GOING (its exit has returned, or its load failed).
 *
 * A patch enabled while a module is in the middle of loading must not
 * patch it before the notifier has seen it (ftrace may not know the
 * module's functions yet), nor leave it unpatched after (the notifier will
 * not look again).  So klpx remembers the modules whose COMING it handled
 * and that are not LIVE yet: an enable patches a COMING module only if it
 * is among them, and leaves the others to the notifier.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "core.h"

/* Not exported; see kallsyms.c. */
KLPX_SYMBOLS(vmlinux, KLPX_SYMPOS(find_module, 0));

/**
 * struct klpx_coming - a module between our COMING and its LIVE or GOING
 * @node:	entry in klpx_coming_mods
 * @mod:	the module; only compared, never dereferenced
 */
struct klpx_coming {
	struct list_head node;
	struct module *mod;
};

/* Guarded by klpx_mutex. */
static LIST_HEAD(klpx_coming_mods);

static struct klpx_coming *klpx_coming_find(struct module *mod)
{
	struct klpx_coming *c;

	list_for_each_entry(c, &klpx_coming_mods, node)
		if (c->mod == mod)
			return c;
	return NULL;
}

static void klpx_coming_forget(struct module *mod)
{
	struct klpx_coming *c = klpx_coming_find(mod);

	if (c) {
		list_del(&c->node);
		kfree(c);
	}
}

/**
 * klpx_module_live() - the module an object names, if klpx may patch it now
 * @name:	module name
 *
 * Context: klpx_mutex held, which keeps the module from being freed.
 * Return: the module when it is live, or loading and already seen by the
 * notifier; NULL otherwise (the notifier will patch it when it comes).
 */
struct module *klpx_module_live(const char *name)
{
	enum module_state state;
	struct module *mod;

	lockdep_assert_held(&klpx_mutex);

	/* find_module() wants module_mutex or preemption disabled. */
	preempt_disable();
	mod = find_module(name);
	state = mod ? READ_ONCE(mod->state) : MODULE_STATE_UNFORMED;
	preempt_enable();

	if (state == MODULE_STATE_LIVE)
		return mod;
	if (state == MODULE_STATE_COMING && klpx_coming_find(mod))
		return mod;
	return NULL;
}

/**
 * klpx_object_patch_loading() - patch an object whose module is loading
 * @obj:	an object of an enabled patch naming @mod
 * @mod:	the module, in MODULE_STATE_COMING: its init has not run
 *
 * Registers the object's shadow types, runs pre_patch, switches its
 * functions and runs post_patch (then pre_unpatch, when the patch is being
 * torn down: its disable is under way).  Nothing of the module runs yet,
 * so the switch needs no activeness check: it never answers -EINPROGRESS
 * or waits for a task, whatever the loading task stands in.
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0 (also when @obj was already patched), or a negative errno
 * with @obj untouched.
 */
static int klpx_object_patch_loading(struct klpx_object *obj,
				     struct module *mod)
{
	struct klpx_patch *patch = obj->patch;
	struct klpx_switch sw;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	if (obj->patched)
		return 0;
	pr_info("applying patch '%s' to loading module '%s'\n",
		klpx_patch_name(patch), mod->name);
	obj->mod = mod;

	ret = klpx_object_resolve(obj);
	if (!ret)
		ret = klpx_patch_check_duplicates(patch);
	if (ret)
		goto err_detach;
	ret = klpx_object_register_types(obj);
	if (ret)
		goto err_detach;
	ret = klpx_pre_patch(obj);
	if (ret)
		goto err_types;
	ret = klpx_redirect_prepare(obj);
	if (!ret)
		ret = klpx_redirect_hook();
	if (ret)
		goto err_redirect;
	ret = klpx_plan_patch_object(&sw, obj);
	if (ret) {
		klpx_plan_nomem(patch, "cannot patch the loading module", ret);
		goto err_redirect;
	}
	ret = klpx_switch_run(&sw, patch);
	klpx_plan_free(&sw);
	if (ret)
		goto err_redirect;

	WRITE_ONCE(obj->patched, true);
	klpx_post_patch(obj);
	/* Its teardown's disable began with every object's pre_unpatch. */
	if (klpx_teardown_of(patch))
		klpx_pre_unpatch(obj);
	return 0;

err_redirect:
	klpx_redirect_release();
	klpx_object_forget_stacks(obj);
	klpx_post_unpatch(obj);
err_types:
	klpx_object_unregister_types(obj);
err_detach:
	klpx_object_detach(obj);
	return ret;
}

/**
 * klpx_object_unpatch_unloading() - unpatch an object whose module goes away
 * @obj:	an object of an enabled patch whose module is @obj->mod
 *
 * Runs pre_unpatch (unless the patch's teardown, under way, ran it),
 * takes its functions off their stacks, runs
 * post_unpatch and unregisters its shadow types (garbage-collecting the
 * ids no other enabled object holds).  The module's exit has returned,
 * so nothing can be inside its code; this cannot fail.
 *
 * Context: klpx_mutex held; sleeps.
 */
static void klpx_object_unpatch_unloading(struct klpx_object *obj)
{
	struct klpx_release rel;
	struct klpx_switch sw;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	if (obj->patched) {
		pr_info("reverting patch '%s' from unloading module '%s'\n",
			klpx_patch_name(obj->patch), obj->mod->name);
		/* A teardown's disable ran it already. */
		if (!klpx_teardown_of(obj->patch))
			klpx_pre_unpatch(obj);
		ret = klpx_plan_unpatch_object(&sw, obj);
		if (!ret)
			ret = klpx_switch_run(&sw, obj->patch);
		else
			klpx_plan_nomem(obj->patch,
					"taking its functions off one at a time",
					ret);
		klpx_plan_free(&sw);
		/* The module's exit has run: nothing calls into it any more. */
		if (ret)
			klpx_object_unlink(obj);
		WRITE_ONCE(obj->patched, false);
		klpx_post_unpatch(obj);
	}

	ret = klpx_plan_release_object(&rel, obj, &klpx_patches);
	klpx_release_object(&rel, ret, obj);
	klpx_object_forget_stacks(obj);
	klpx_redirect_release_switched();
	synchronize_rcu();
	klpx_object_detach(obj);
}

static void klpx_module_unpatch_objects(struct module *mod)
{
	struct klpx_patch *patch;
	struct klpx_object *obj;

	/* Newest first: the reverse of the order they were applied in. */
	list_for_each_entry_reverse(patch, &klpx_patches, list)
		klpx_for_each_object(patch, obj)
			if (obj->mod == mod)
				klpx_object_unpatch_unloading(obj);
}

/**
 * klpx_loading_coming() - a module comes: patch the objects that name it
 * @mod:	a module in MODULE_STATE_COMING
 *
 * Remembers @mod until klpx_loading_live() or klpx_loading_going().
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0, or a negative errno (logged) with nothing of @mod patched
 * and @mod forgotten: its load fails.
 */
int klpx_loading_coming(struct module *mod)
{
	struct klpx_patch *patch;
	struct klpx_object *obj;
	struct klpx_coming *c;
	int ret;

	/* A few bytes: never the reason a module fails to load. */
	c = kzalloc(sizeof(*c), GFP_KERNEL | __GFP_NOFAIL);
	c->mod = mod;
	list_add(&c->node, &klpx_coming_mods);

	list_for_each_entry(patch, &klpx_patches, list) {
		klpx_for_each_object(patch, obj) {
			if (!obj->name || strcmp(obj->name, mod->name))
				continue;
			ret = klpx_object_patch_loading(obj, mod);
			if (ret)
				goto err;
		}
	}
	return 0;

err:
	pr_err("refusing to load module '%s': patch '%s' cannot be applied to it\n",
	       mod->name, patch->mod->name);
	/* The load fails: our GOING will not come, undo it all now. */
	klpx_module_unpatch_objects(mod);
	klpx_coming_forget(mod);
	return ret;
}

/**
 * klpx_loading_live() - a module reached MODULE_STATE_LIVE
 * @mod:	the module
 *
 * Context: klpx_mutex held.
 */
void klpx_loading_live(struct module *mod)
{
	klpx_coming_forget(mod);
}

/**
 * klpx_loading_going() - a module goes: unpatch the objects that name it
 * @mod:	a module in MODULE_STATE_GOING
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_loading_going(struct module *mod)
{
	klpx_coming_forget(mod);
	klpx_module_unpatch_objects(mod);
}

/**
 * klpx_loading_init_failed() - is a going module one that never got live?
 * @mod:	a module in MODULE_STATE_GOING, before klpx_loading_going()
 *
 * Context: klpx_mutex held.
 * Return: true when @mod is still among the coming ones: its init failed.
 */
bool klpx_loading_init_failed(struct module *mod)
{
	return !!klpx_coming_find(mod);
}

/**
 * klpx_loading_exit() - forget the modules still between COMING and LIVE
 *
 * Context: klpx's exit, the notifiers unregistered; takes klpx_mutex.
 */
void klpx_loading_exit(void)
{
	struct klpx_coming *c, *tmp;

	mutex_lock(&klpx_mutex);
	list_for_each_entry_safe(c, tmp, &klpx_coming_mods, node) {
		list_del(&c->node);
		kfree(c);
	}
	mutex_unlock(&klpx_mutex);
}
