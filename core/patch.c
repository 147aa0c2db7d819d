// SPDX-License-Identifier: GPL-2.0
/*
 * patch.c - the life of a patch: enable, atomic replace, disable, and the
 * objects of modules that come and go.
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

static const char *klpx_patch_name(const struct klpx_patch *patch)
{
	return patch->mod->name;
}

/* Planning a switch allocates: say so when that is what failed. */
static int klpx_plan_nomem(const struct klpx_patch *patch, const char *what,
			   int ret)
{
	pr_err("'%s': %s: no memory to plan the switch\n",
	       klpx_patch_name(patch), what);
	return ret;
}

/* ---- shadow types ------------------------------------------------- */

static void klpx_object_unregister_types(struct klpx_object *obj)
{
	while (obj->nr_types)
		klpx_shadow_unregister(obj->shadow_types[--obj->nr_types]);
}

static int klpx_object_register_types(struct klpx_object *obj)
{
	struct klpx_shadow_type *type;
	int ret;

	if (!obj->shadow_types)
		return 0;
	for (; (type = obj->shadow_types[obj->nr_types]); obj->nr_types++) {
		ret = klpx_shadow_register(type);
		if (ret) {
			pr_err("'%s': cannot register shadow type %s (id %lu) of %s: %d\n",
			       klpx_patch_name(obj->patch),
			       type->name ? type->name : "(null)", type->id,
			       klpx_object_name(obj), ret);
			klpx_object_unregister_types(obj);
			return ret;
		}
	}
	return 0;
}

struct klpx_id_refs {
	unsigned long id;
	unsigned int refs;
};

static void klpx_id_refs_find(const struct klpx_shadow_stat *st, void *arg)
{
	struct klpx_id_refs *r = arg;

	if (st->id == r->id)
		r->refs = st->refs;
}

/*
 * The number of registrations of @id, patches or not.  Only what was true
 * a moment ago: registrations outside klpx_mutex may come and go.
 */
static unsigned int klpx_id_refs(unsigned long id)
{
	struct klpx_id_refs r = { .id = id };

	klpx_shadow_for_each_class(klpx_id_refs_find, &r);
	return r.refs;
}

/*
 * Say what releasing the last registration of @type's id that an enabled
 * patch holds does: collect its variables, unless a registration outside
 * the patches (a module calling klpx_shadow_register() itself) keeps it.
 */
static void klpx_release_log(struct klpx_release *rel, unsigned int i)
{
	struct klpx_shadow_type *type = rel->types[i];
	unsigned int refs = klpx_id_refs(type->id);
	unsigned int j;

	/* Registrations of the id this release drops along with @type. */
	for (j = 0; j < rel->nr; j++)
		if (j != i && rel->types[j]->id == type->id && refs)
			refs--;

	if (refs > 1)
		pr_info("shadow type %s (id %lu) released by the patches; kept with %zu variable(s) by %u other registration(s)\n",
			type->name, type->id, klpx_shadow_count(type),
			refs - 1);
	else
		pr_info("shadow type %s (id %lu) dropped: garbage-collecting %zu variable(s)\n",
			type->name, type->id, klpx_shadow_count(type));
}

/*
 * Unregister what a release plan lists, in order, saying which ids it
 * releases and whether that garbage-collects them.  Without memory for a
 * plan, unregister the same types object by object, just without naming
 * the ids.
 */
static void klpx_release(struct klpx_release *rel, int plan_error,
			 struct klpx_object *obj, struct list_head *leaving)
{
	struct klpx_patch *patch;
	unsigned int i;

	if (plan_error) {
		pr_warn("no memory to list the shadow types being released; unregistering them without naming the ids collected\n");
		if (obj) {
			klpx_object_unregister_types(obj);
			return;
		}
		list_for_each_entry(patch, leaving, list)
			klpx_for_each_object(patch, obj)
				klpx_object_unregister_types(obj);
		return;
	}

	for (i = 0; i < rel->nr; i++)
		if (rel->drops[i])
			klpx_release_log(rel, i);
	/* The ids dropped are collected together: one wait for readers. */
	klpx_shadow_unregister_many(rel->types, rel->nr);
	klpx_release_free(rel);
	if (obj) {
		obj->nr_types = 0;
		return;
	}
	list_for_each_entry(patch, leaving, list)
		klpx_for_each_object(patch, obj)
			obj->nr_types = 0;
}

/* ---- callbacks ---------------------------------------------------- */

static int klpx_pre_patch(struct klpx_object *obj)
{
	int ret;

	if (!obj->callbacks.pre_patch)
		return 0;
	ret = obj->callbacks.pre_patch(obj);
	if (ret)
		pr_err("'%s': pre_patch of %s failed: %d\n",
		       klpx_patch_name(obj->patch), klpx_object_name(obj), ret);
	return ret;
}

static void klpx_post_patch(struct klpx_object *obj)
{
	if (obj->callbacks.post_patch)
		obj->callbacks.post_patch(obj);
}

static void klpx_pre_unpatch(struct klpx_object *obj)
{
	if (obj->callbacks.pre_unpatch)
		obj->callbacks.pre_unpatch(obj);
}

static void klpx_post_unpatch(struct klpx_object *obj)
{
	if (obj->callbacks.post_unpatch)
		obj->callbacks.post_unpatch(obj);
}

/* ---- resolution ---------------------------------------------------- */

/*
 * Find the functions an object replaces, then write the addresses of the
 * module symbols its patch lists (KLPX_SYMBOLS()): both before pre_patch.
 */
static int klpx_object_resolve(struct klpx_object *obj)
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
static void klpx_object_detach(struct klpx_object *obj)
{
	klpx_symbols_clear(obj);
	obj->mod = NULL;
}

static int klpx_patch_check_duplicates(struct klpx_patch *patch)
{
	struct klpx_func *func = klpx_plan_duplicate_func(patch);

	if (!func)
		return 0;
	pr_err("'%s': function '%s' of %s is replaced twice\n",
	       klpx_patch_name(patch), func->old_name,
	       klpx_object_name(func->obj));
	return -EINVAL;
}

static void klpx_object_forget_stacks(struct klpx_object *obj)
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
static void klpx_object_unlink(struct klpx_object *obj)
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
	if (!strcmp(name, "enabled") || !strcmp(name, "replace")) {
		pr_err("'%s': object name '%s' is taken by a file of the patch's sysfs directory\n",
		       patch, name);
		return -EINVAL;
	}
	return 0;
}

/* Check what the author filled in and reset what klpx owns. */
static int klpx_patch_init(struct klpx_patch *patch)
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
		pr_err("'%s': shadow type %s (id %lu) is listed by %s and again by %s: each object needs a struct of its own (the same id is fine)\n",
		       klpx_patch_name(patch),
		       type->name ? type->name : "(null)", type->id,
		       klpx_object_name(other), klpx_object_name(obj));
		return -EINVAL;
	}

	INIT_LIST_HEAD(&patch->list);
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

/* ---- the patch module ---------------------------------------------- */

/*
 * An enabled patch's module must stay.  The module reference klpx takes
 * keeps it, but 6.1's delete_module() answers a referenced module with
 * -EAGAIN ("try again"), which tells an administrator nothing true: the
 * patch will not go away by waiting.  The kernel refuses with -EBUSY a
 * module that has an init but no exit (/proc/modules shows it as
 * [permanent]), so the exit is held back for exactly as long as the patch
 * is enabled.  Holding and giving back happen under klpx_mutex, in the
 * same step as the patch joining or leaving klpx_patches, and
 * klpx_enable_patch() refuses a second patch of a module whose first one
 * is enabled: what is saved is always the module's own exit.
 */
static void klpx_patch_hold_exit(struct klpx_patch *patch)
{
	lockdep_assert_held(&klpx_mutex);
#ifdef CONFIG_MODULE_UNLOAD
	patch->mod_exit = patch->mod->exit;
	WRITE_ONCE(patch->mod->exit, NULL);
#endif
}

/* Give back what klpx_patch_hold_exit() held. */
static void klpx_patch_give_exit(struct klpx_patch *patch)
{
	lockdep_assert_held(&klpx_mutex);
#ifdef CONFIG_MODULE_UNLOAD
	WRITE_ONCE(patch->mod->exit, patch->mod_exit);
	patch->mod_exit = NULL;
#endif
}

/* The enabled patch of @mod, if it has one. */
static struct klpx_patch *klpx_patch_of_module(struct module *mod)
{
	struct klpx_patch *patch;

	lockdep_assert_held(&klpx_mutex);

	list_for_each_entry(patch, &klpx_patches, list)
		if (patch->mod == mod)
			return patch;
	return NULL;
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

static int __klpx_enable_patch(struct klpx_patch *patch,
			       struct list_head *replaced)
{
	struct klpx_release rel;
	struct klpx_switch sw;
	struct klpx_object *obj;
	struct klpx_patch *old;
	int ret, rel_ret;

	lockdep_assert_held(&klpx_mutex);

	ret = klpx_patch_prepare(patch);
	if (ret)
		return ret;

	ret = klpx_plan_enable(&sw, patch, &klpx_patches, true);
	if (!ret) {
		ret = klpx_switch_run(&sw, klpx_patch_name(patch));
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
		list_splice_init(&klpx_patches, replaced);
	list_add_tail(&patch->list, &klpx_patches);
	WRITE_ONCE(patch->enabled, true);
	klpx_patch_hold_exit(patch);
	klpx_for_each_object(patch, obj)
		if (klpx_object_loaded(obj))
			WRITE_ONCE(obj->patched, true);

	/* Replaced patches leave without their callbacks, as upstream. */
	list_for_each_entry(old, replaced, list) {
		pr_info("'%s': replaced by '%s'\n", klpx_patch_name(old),
			klpx_patch_name(patch));
		WRITE_ONCE(old->enabled, false);
		klpx_patch_give_exit(old);
		klpx_for_each_object(old, obj) {
			WRITE_ONCE(obj->patched, false);
			obj->mod = NULL;
		}
	}

	klpx_for_each_object(patch, obj)
		if (klpx_object_loaded(obj))
			klpx_post_patch(obj);

	rel_ret = klpx_plan_release_patches(&rel, replaced, &klpx_patches);
	klpx_release(&rel, rel_ret, NULL, replaced);

	klpx_redirect_release();
	/* No handler may still stand on a function a replaced patch owns. */
	synchronize_rcu();
	list_for_each_entry(old, replaced, list)
		klpx_for_each_object(old, obj)
			klpx_symbols_clear(obj);

	add_taint(TAINT_LIVEPATCH, LOCKDEP_STILL_OK);
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
 * without the activeness check, while the module is still there.
 *
 * Context: process context, from the patch module's init; sleeps.
 * Return: 0, or a negative errno with nothing changed: -EINVAL (bad or
 * reused patch, the module's other patch is enabled, ambiguous symbol,
 * shadow type conflict, shadow type struct listed twice, object name no
 * module can have), -ENOENT (unknown symbol), -EBUSY (a task stayed
 * inside changed code, another ftrace user owns a function, or ftrace is
 * disabled), -ENODEV (the patch module is going away), -ENOMEM, or what a
 * pre_patch callback returned.
 */
int klpx_enable_patch(struct klpx_patch *patch)
{
	struct klpx_patch *old, *tmp;
	LIST_HEAD(replaced);
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
	if (patch->used) {
		pr_err("'%s': a patch is enabled once; reload its module\n",
		       klpx_patch_name(patch));
		ret = -EINVAL;
		goto err_unpin;
	}
	if (klpx_patch_of_module(patch->mod)) {
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
		pr_err("'%s': cannot create its sysfs directory: %d\n",
		       klpx_patch_name(patch), ret);
		goto err_unlock;
	}
	ret = __klpx_enable_patch(patch, &replaced);
	if (ret)
		goto err_unlock;
	pr_info("'%s': enabled\n", klpx_patch_name(patch));
	list_for_each_entry(old, &replaced, list)
		atomic_inc(&klpx_nr_releasing);
	mutex_unlock(&klpx_mutex);

	/* Outside the lock: removal waits for users of their sysfs files. */
	list_for_each_entry_safe(old, tmp, &replaced, list) {
		list_del_init(&old->list);
		klpx_sysfs_del_patch(old);
		module_put(old->mod);
		klpx_releasing_done();
	}
	return 0;

err_unlock:
	mutex_unlock(&klpx_mutex);
	klpx_sysfs_del_patch(patch);
	module_put(patch->mod);
	return ret;

err_unpin:
	mutex_unlock(&klpx_mutex);
	module_put(patch->mod);
	return ret;
}
EXPORT_SYMBOL_GPL(klpx_enable_patch);

/* ---- disable -------------------------------------------------------- */

/*
 * Disable an enabled patch.  With @check, the switch back waits for no task
 * to be inside the code it changes, and may fail; without, it cannot fail:
 * for a patch whose code goes away regardless.
 */
static int __klpx_disable_patch(struct klpx_patch *patch, bool check)
{
	struct klpx_release rel;
	struct klpx_switch sw;
	struct klpx_object *obj;
	LIST_HEAD(leaving);
	int ret, rel_ret;

	lockdep_assert_held(&klpx_mutex);

	pr_info("disabling patch '%s'\n", klpx_patch_name(patch));
	klpx_for_each_object(patch, obj)
		if (obj->patched)
			klpx_pre_unpatch(obj);

	ret = klpx_plan_disable(&sw, patch, check);
	if (!ret) {
		ret = klpx_switch_run(&sw, klpx_patch_name(patch));
		klpx_plan_free(&sw);
	} else {
		klpx_plan_nomem(patch, check ? "cannot disable" :
				"taking its functions off one at a time", ret);
	}
	if (ret && !check) {
		klpx_for_each_object(patch, obj)
			klpx_object_unlink(obj);
		ret = 0;
	}
	if (ret) {
		/* Still enabled: the pre_unpatch is answered, as upstream. */
		klpx_for_each_object(patch, obj)
			if (obj->patched)
				klpx_post_patch(obj);
		return ret;
	}

	list_move(&patch->list, &leaving);
	WRITE_ONCE(patch->enabled, false);
	klpx_patch_give_exit(patch);
	klpx_for_each_object(patch, obj) {
		if (!obj->patched)
			continue;
		WRITE_ONCE(obj->patched, false);
		klpx_post_unpatch(obj);
	}

	rel_ret = klpx_plan_release_patches(&rel, &leaving, &klpx_patches);
	klpx_release(&rel, rel_ret, NULL, &leaving);
	list_del_init(&patch->list);

	klpx_redirect_release();
	synchronize_rcu();
	klpx_for_each_object(patch, obj)
		klpx_object_detach(obj);
	pr_info("'%s': disabled\n", klpx_patch_name(patch));
	return 0;
}

/**
 * klpx_patch_disable_store() - disable a patch on behalf of its sysfs file
 * @patch:	the patch
 * @kobj:	its sysfs directory
 * @attr:	the file being written ("enabled")
 *
 * Disables @patch, removes its sysfs directory and unpins its module, all
 * before returning, so that "echo 0 > enabled; rmmod" works.
 *
 * Context: a sysfs store; sleeps.
 * Return: 0; -EINVAL when @patch is not enabled; -EBUSY (it stays
 * enabled) when a task stayed inside its code; -ENOMEM.
 */
int klpx_patch_disable_store(struct klpx_patch *patch, struct kobject *kobj,
			     const struct attribute *attr)
{
	struct kernfs_node *kn;
	int ret;

	mutex_lock(&klpx_mutex);
	ret = patch->enabled ? __klpx_disable_patch(patch, true) : -EINVAL;
	if (!ret)
		atomic_inc(&klpx_nr_releasing);
	mutex_unlock(&klpx_mutex);
	if (ret)
		return ret;

	/*
	 * We are writing a file of the directory we remove; removal waits
	 * for writers, us included, unless we step out of that count.
	 * Any other writer is either done or will find the patch disabled.
	 */
	kn = sysfs_break_active_protection(kobj, attr);
	klpx_sysfs_del_patch(patch);
	if (kn)
		sysfs_unbreak_active_protection(kn);
	module_put(patch->mod);
	klpx_releasing_done();
	return 0;
}

/* ---- objects of modules that come and go ---------------------------- */

/**
 * klpx_patch_coming_object() - patch an object whose module is loading
 * @obj:	an object of an enabled patch naming @mod
 * @mod:	the module, in MODULE_STATE_COMING: its init has not run
 *
 * Registers the object's shadow types, runs pre_patch, switches its
 * functions and runs post_patch.  Nothing of the module runs yet, so the
 * switch needs no activeness check.
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0 (also when @obj was already patched), or a negative errno
 * with @obj untouched.
 */
int klpx_patch_coming_object(struct klpx_object *obj, struct module *mod)
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
	if (ret)
		goto err_redirect;
	ret = klpx_plan_object(&sw, obj, true, false);
	if (ret) {
		klpx_plan_nomem(patch, "cannot patch the loading module", ret);
		goto err_redirect;
	}
	ret = klpx_switch_run(&sw, klpx_patch_name(patch));
	klpx_plan_free(&sw);
	if (ret)
		goto err_redirect;

	WRITE_ONCE(obj->patched, true);
	klpx_post_patch(obj);
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
 * klpx_patch_going_object() - unpatch an object whose module goes away
 * @obj:	an object of an enabled patch whose module is @obj->mod
 *
 * Runs pre_unpatch, takes its functions off their stacks, runs
 * post_unpatch and unregisters its shadow types (garbage-collecting the
 * ids no other enabled object holds).  The module's exit has returned,
 * so nothing can be inside its code; this cannot fail.
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_patch_going_object(struct klpx_object *obj)
{
	struct klpx_release rel;
	struct klpx_switch sw;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	if (obj->patched) {
		pr_info("reverting patch '%s' from unloading module '%s'\n",
			klpx_patch_name(obj->patch), obj->mod->name);
		klpx_pre_unpatch(obj);
		ret = klpx_plan_object(&sw, obj, false, false);
		if (!ret)
			ret = klpx_switch_run(&sw, klpx_patch_name(obj->patch));
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
	klpx_release(&rel, ret, obj, NULL);
	klpx_object_forget_stacks(obj);
	klpx_redirect_release();
	synchronize_rcu();
	klpx_object_detach(obj);
}

/* ---- a patch module that goes away while its patch is enabled ------- */

/**
 * klpx_patch_module_going() - tear down the enabled patch of a module
 * @mod:	a module in MODULE_STATE_GOING
 * @init_failed: @mod's init failed: the module never was live
 * @gone:	receives the patch torn down (by klpx_patch.list); hand it to
 *		klpx_patch_release_gone() once klpx_mutex is dropped
 *
 * While its patch is enabled a module keeps a reference and has no exit,
 * so rmmod refuses it.  Two ways still free it: an init that enables the
 * patch and then fails (the kernel frees the module whatever holds it), and
 * a forced removal.  Either way its code and data are still mapped now
 * and are freed as soon as the notifier chain returns, and nothing can
 * refuse or postpone that.  So the patch is disabled here: callbacks, the
 * switch back, the release of its shadow types (their dtors are still
 * there) and its leaving klpx_patches.
 *
 * The switch back runs without the activeness check.  A check that found
 * a task inside the patch's code could only leave every function pointing
 * into memory about to be freed, for every later caller too; switching
 * anyway sends new calls to the code below at once, and the grace period
 * after the switch waits out the handlers in flight.  A task asleep inside
 * the replacement is beyond rescue either way: this is the best there is.
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_patch_module_going(struct module *mod, bool init_failed,
			     struct list_head *gone)
{
	struct klpx_patch *patch;

	lockdep_assert_held(&klpx_mutex);

	while ((patch = klpx_patch_of_module(mod))) {
		if (init_failed)
			WARN(1, "klpx: '%s': init failed after enabling its patch; disabling it without the activeness check\n",
			     klpx_patch_name(patch));
		else
			pr_err("'%s': module removed by force while its patch is enabled; disabling it without the activeness check\n",
			       klpx_patch_name(patch));
		__klpx_disable_patch(patch, false);
		list_add_tail(&patch->list, gone);
	}
}

/**
 * klpx_patch_release_gone() - finish what klpx_patch_module_going() began
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
void klpx_patch_release_gone(struct list_head *gone, bool run_exit)
{
	struct klpx_patch *patch, *tmp;
	void (*exit)(void) = NULL;

	list_for_each_entry_safe(patch, tmp, gone, list) {
		list_del_init(&patch->list);
		klpx_sysfs_del_patch(patch);
#ifdef CONFIG_MODULE_UNLOAD
		/* Given back by the disable. */
		exit = patch->mod->exit;
#endif
		module_put(patch->mod);
		if (run_exit && exit)
			exit();
	}
	wait_event(klpx_released_wq, !atomic_read(&klpx_nr_releasing));
}
