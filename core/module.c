// SPDX-License-Identifier: GPL-2.0
/*
 * module.c - objects whose module loads after their patch, or goes away.
 *
 * A module notifier patches the objects of every enabled patch that name a
 * module when it reaches MODULE_STATE_COMING (its code is in place, ftrace
 * knows its functions, its init has not run yet) and unpatches them at
 * MODULE_STATE_GOING (its exit has returned, or its load failed).  At
 * GOING it also tears down the patch of the going module itself, should it
 * still be enabled (an init that failed after enabling it, a forced
 * removal).
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
#include <linux/notifier.h>
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

/* What klpx_module_check_converted() looks for among undefined symbols. */
struct klpx_unconverted {
	bool uses_klpx;
	const char *weak;
};

static int klpx_unconverted_scan(const char *name, const Elf_Sym *sym,
				 void *data)
{
	struct klpx_unconverted *u = data;

	if (sym->st_shndx != SHN_UNDEF)
		return 0;
	if (!strncmp(name, "klpx_", 5))
		u->uses_klpx = true;
	if (ELF_ST_BIND(sym->st_info) == STB_WEAK && !u->weak)
		u->weak = name;
	return 0;
}

/*
 * A patch module whose KLPX_SYMBOLS() were never converted into livepatch
 * relocations (its build skipped scripts/patch.kbuild's last step) has
 * them as weak undefined symbols, which the loader resolved to 0: its code
 * would call address 0.  Refuse it before its init runs.
 */
static int klpx_module_check_converted(struct module *mod)
{
	struct klpx_unconverted u = { };

	if (mod->klp)
		return 0;
	klpx_module_walk_symbols(mod, klpx_unconverted_scan, &u);
	if (!u.uses_klpx || !u.weak)
		return 0;
	/* The name lives in the module's own string table: still there. */
	pr_err("refusing to load module '%s': '%s' is undefined: was it built without scripts/patch.kbuild's conversion of KLPX_SYMBOLS()?\n",
	       mod->name, u.weak);
	return -ENOEXEC;
}

static int klpx_module_coming(struct module *mod)
{
	struct klpx_patch *patch;
	struct klpx_object *obj;
	struct klpx_coming *c;
	int ret;

	ret = klpx_module_check_converted(mod);
	if (ret)
		return ret;

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

static int klpx_module_notify(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct module *mod = data;
	LIST_HEAD(released);
	int ret = 0;

	mutex_lock(&klpx_mutex);
	/* A replace enabled by an init is final once a module it concerns moves on. */
	klpx_patch_settle_replace_for(mod, &released);
	/* So is one whose teardown would bring back what it replaced. */
	klpx_teardown_settle_for(mod, &released);
	switch (action) {
	case MODULE_STATE_COMING:
		ret = klpx_module_coming(mod);
		break;
	case MODULE_STATE_LIVE:
		klpx_coming_forget(mod);
		break;
	case MODULE_STATE_GOING:
		klpx_coming_forget(mod);
		klpx_module_unpatch_objects(mod);
		break;
	}
	mutex_unlock(&klpx_mutex);
	klpx_patch_release_left(&released);
	return notifier_from_errno(ret);
}

static struct notifier_block klpx_module_nb = {
	.notifier_call = klpx_module_notify,
};

/*
 * A patch module that goes away with its patch enabled (an init that
 * failed after enabling it, a forced removal): first in the GOING chain,
 * where its own exit would have run, before any subsystem tears down what
 * the module's code still uses.
 */
static int klpx_patch_module_notify(struct notifier_block *nb,
				    unsigned long action, void *data)
{
	struct module *mod = data;
	bool init_failed, run_exit;
	LIST_HEAD(cancelled);
	LIST_HEAD(released);
	LIST_HEAD(gone);

	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&klpx_mutex);
	/* Still among the coming ones: it never got to LIVE. */
	init_failed = !!klpx_coming_find(mod);
	/* A teardown waiting meanwhile brings back no patch of @mod. */
	klpx_teardown_settle_for(mod, &released);
	klpx_defer_module_going(mod, &cancelled);
	klpx_patch_teardown_orphan(mod, init_failed, &gone, &released);
	/* Removed by force while a pending replace held its patch. */
	run_exit = !init_failed && klpx_patch_find_module(&released, mod);
	mutex_unlock(&klpx_mutex);
	/* Outside the lock: sysfs removal waits for writers, who take it. */
	klpx_patch_release_left(&released);
	klpx_defer_release(&cancelled);
	if (run_exit)
		klpx_patch_run_exit(mod);
	klpx_patch_release_orphans(&gone, !init_failed);
	return NOTIFY_DONE;
}

static struct notifier_block klpx_patch_module_nb = {
	.notifier_call = klpx_patch_module_notify,
	.priority = INT_MAX,
};

int klpx_module_init(void)
{
	int ret;

	ret = register_module_notifier(&klpx_patch_module_nb);
	if (ret)
		return ret;
	ret = register_module_notifier(&klpx_module_nb);
	if (ret)
		unregister_module_notifier(&klpx_patch_module_nb);
	return ret;
}

void klpx_module_exit(void)
{
	struct klpx_coming *c, *tmp;

	/*
	 * First the deferred steps, while the GOING notifier still drops
	 * the references they hold on modules removed meanwhile.
	 */
	klpx_defer_exit();
	unregister_module_notifier(&klpx_module_nb);
	unregister_module_notifier(&klpx_patch_module_nb);
	mutex_lock(&klpx_mutex);
	list_for_each_entry_safe(c, tmp, &klpx_coming_mods, node) {
		list_del(&c->node);
		kfree(c);
	}
	mutex_unlock(&klpx_mutex);
}
