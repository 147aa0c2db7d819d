// SPDX-License-Identifier: GPL-2.0
/*
 * notifier.c - the module notifiers: every module that comes, becomes live
 * or goes (its objects in enabled patches, loading.c), and first of all a
 * patch module that goes while its patch is enabled (teardown.c).
 *
 * A patch module whose KLPX_SYMBOLS() were never converted is refused at
 * its COMING, before anything of it runs.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/string.h>
#include "core.h"

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
		ret = klpx_module_check_converted(mod);
		if (!ret)
			ret = klpx_loading_coming(mod);
		break;
	case MODULE_STATE_LIVE:
		klpx_loading_live(mod);
		break;
	case MODULE_STATE_GOING:
		klpx_loading_going(mod);
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
	init_failed = klpx_loading_init_failed(mod);
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
	/*
	 * First the deferred steps, while the GOING notifier still drops
	 * the references they hold on modules removed meanwhile.
	 */
	klpx_defer_exit();
	unregister_module_notifier(&klpx_module_nb);
	unregister_module_notifier(&klpx_patch_module_nb);
	klpx_loading_exit();
}
