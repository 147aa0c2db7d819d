/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to core/: what its files share.
 *
 * DOC: concurrency
 *
 * klpx_mutex serialises everything that changes which code runs: enabling
 * and disabling patches, the module notifier, and every internal member of
 * struct klpx_patch, klpx_object and klpx_func.  It also guards the list of
 * enabled patches and the set of redirection stacks.
 *
 * The redirection stacks themselves change only inside stop_machine(),
 * called by a klpx_mutex holder; the ftrace handler reads them under RCU
 * (ftrace_test_recursion_trylock() disables preemption).  stop_machine()
 * already waits out every handler that does not run in NMI context; a
 * synchronize_rcu() after a switch waits out the rest before a function
 * taken off a stack may be freed (its module removed) or pushed again.
 *
 * sysfs directories are removed only without klpx_mutex: removal waits for
 * readers and writers of their files, and a writer of "enabled" takes
 * klpx_mutex.  So a patch that leaves the enabled list is released (its
 * directory, then its module reference) after the mutex is dropped; the
 * module notifier's GOING waits until no such release is in flight, since
 * a forced removal could otherwise free a module that is still being
 * released.
 */
#ifndef _KLPX_CORE_CORE_H
#define _KLPX_CORE_CORE_H

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include "plan.h"

struct kobject;
struct attribute;
struct seq_file;

extern struct mutex klpx_mutex;
extern struct list_head klpx_patches;
extern struct list_head klpx_pending;

/**
 * struct klpx_symbol_query - a symbol looked up by name and position
 * @name:	the symbol
 * @sympos:	0: the name must be unique; N >= 1: the Nth of that name
 * @count:	out: symbols of that name seen (all of them, unless the
 *		walk stopped at the @sympos-th)
 * @addr:	out: its address, 0 when not found or ambiguous
 */
struct klpx_symbol_query {
	const char *name;
	unsigned long sympos;
	unsigned long count;
	unsigned long addr;
};

/* kallsyms.c: symbols, and the kernel functions modules cannot link to */
void klpx_symbol_lookup(struct module *mod, struct klpx_symbol_query *q);
int klpx_resolve_func(struct klpx_func *func);
unsigned long klpx_ftrace_ip(struct klpx_func *func);
unsigned long klpx_symbol_end(unsigned long addr);
void klpx_module_walk_symbols(struct module *mod,
			      int (*fn)(const char *name,
					const Elf_Sym *sym, void *data),
			      void *data);

/* symbols.c: what a patch lists with KLPX_SYMBOLS() in a module object */
int klpx_symbols_check(struct klpx_patch *patch);
int klpx_symbols_resolve(struct klpx_object *obj);
void klpx_symbols_clear(struct klpx_object *obj);

/* redirect.c: one ftrace_ops hooks every patched address */
int klpx_redirect_prepare(struct klpx_object *obj);
int klpx_redirect_hook(void);
void klpx_redirect_release(void);
void klpx_redirect_release_switched(void);
void klpx_redirect_exit(void);
void klpx_redirect_flip(const struct klpx_switch *sw);
int klpx_redirect_show(struct seq_file *m);

/* direct.c: the table of the direct stub, and direct ftrace_ops */
struct klpx_direct_slot;
struct ftrace_ops;
bool klpx_direct_wanted(void);
struct klpx_direct_slot *klpx_direct_slot_get(unsigned long ip);
void klpx_direct_slot_put(struct klpx_direct_slot *slot);
void klpx_direct_set(struct klpx_direct_slot *slot, void *target);
struct ftrace_ops *klpx_direct_register(unsigned long *ips, unsigned int n);
int klpx_direct_unregister(struct ftrace_ops *fops);

struct klpx_teardown;

/**
 * struct klpx_switch_ops - what the switch asks of the lifecycle above it
 * @teardown_of:	the teardown in progress of a patch, or NULL
 *			(klpx_teardown_of())
 * @teardown_may_report: may that teardown say whom it waits for now?
 *			(klpx_teardown_may_report())
 * @defer_running:	is the current task taking its deferred step?
 *			(klpx_defer_running())
 * @defer_pending:	is a step of a patch left to a task's return?
 *			(klpx_defer_pending())
 *
 * Registered once by main.c at init, before any patch; each is called
 * with klpx_mutex held.
 */
struct klpx_switch_ops {
	struct klpx_teardown *(*teardown_of)(const struct klpx_patch *patch);
	bool (*teardown_may_report)(struct klpx_teardown *td);
	bool (*defer_running)(void);
	bool (*defer_pending)(const struct klpx_patch *patch);
};

/* switch.c: the consistent step */
void klpx_switch_set_ops(const struct klpx_switch_ops *ops);
int klpx_switch_run(struct klpx_switch *sw, struct klpx_patch *patch);
const char *klpx_switch_self_where(void);

static inline const char *klpx_patch_name(const struct klpx_patch *patch)
{
	return patch->mod->name;
}

/* The patch of @mod on @patches (linked by klpx_patch.list), if any. */
static inline struct klpx_patch *
klpx_patch_find_module(struct list_head *patches, const struct module *mod)
{
	struct klpx_patch *patch;

	lockdep_assert_held(&klpx_mutex);
	list_for_each_entry(patch, patches, list)
		if (patch->mod == mod)
			return patch;
	return NULL;
}

/* The enabled patch of @mod, if it has one. */
static inline struct klpx_patch *klpx_patch_of_module(const struct module *mod)
{
	return klpx_patch_find_module(&klpx_patches, mod);
}

/*
 * Has @mod a patch already, enabled or with its enable pending?  A module
 * enables one patch at a time.
 */
static inline bool klpx_module_has_patch(const struct module *mod)
{
	return klpx_patch_of_module(mod) ||
	       klpx_patch_find_module(&klpx_pending, mod);
}

/* Planning a switch allocates: say so when that is what failed. */
static inline int klpx_plan_nomem(const struct klpx_patch *patch,
				  const char *what, int ret)
{
	pr_err("'%s': %s: no memory to plan the switch\n",
	       klpx_patch_name(patch), what);
	return ret;
}

/**
 * struct klpx_dir_ops - a patch's directory, as the interface provides it
 * @add:	create it (klpx_mutex held); on failure what was created
 *		stays, for @del
 * @del:	remove it, if any (klpx_mutex NOT held: waits for the users
 *		of its files)
 *
 * Registered once by sysfs.c at init, before any patch.
 */
struct klpx_dir_ops {
	int (*add)(struct klpx_patch *patch);
	void (*del)(struct klpx_patch *patch);
};

/* enable.c: validate, resolve, register types, plan, switch, commit */
int __klpx_enable_patch(struct klpx_patch *patch, struct list_head *released);

/* disable.c: pre_unpatch, the switch that takes a patch off, what follows */
int __klpx_disable_patch(struct klpx_patch *patch, bool check,
			 struct list_head *restore);
void klpx_disable_begin(struct klpx_patch *patch);
int klpx_disable_attempt(struct klpx_patch *patch, bool check,
			 struct list_head *restore);
void klpx_disable_refused(struct klpx_patch *patch, bool check, int ret);
void klpx_disable_finish(struct klpx_patch *patch, bool check,
			 struct list_head *restore);
int klpx_disable_deferred(struct klpx_patch *patch, struct list_head *released);

/* replace.c: the patches an atomic replace replaced leave, or come back */
void klpx_replace_done(struct klpx_patch *patch, struct list_head *released);
void klpx_patch_settle_replace(struct list_head *released);
void klpx_patch_settle_replace_for(struct module *mod,
				   struct list_head *released);
struct klpx_patch *klpx_patch_take_replacing(struct module *mod,
					     bool init_failed,
					     struct list_head *released);
void klpx_replaced_leave(struct klpx_patch *patch,
			 struct list_head *released);

/* release.c: the enabled and pending patches; a patch that leaves them */
void klpx_release_set_dir_ops(const struct klpx_dir_ops *ops);
int klpx_patch_dir_add(struct klpx_patch *patch);
void klpx_patch_dir_del(struct klpx_patch *patch);
void klpx_patch_releasing_begin(void);
void klpx_patch_releasing_done(void);
void klpx_patch_leave(struct klpx_patch *patch, struct list_head *released);
void klpx_patch_release_left(struct list_head *released);
void klpx_patch_wait_released(void);

/* defer.c: the step of a task that stands in the code it changes */
bool klpx_defer_running(void);
bool klpx_defer_pending(const struct klpx_patch *patch);
int klpx_defer_queue(struct klpx_patch *patch, bool disable,
		     int (*take)(struct klpx_patch *patch,
				 struct list_head *released));
int klpx_defer_refuse_disable(struct klpx_patch *patch);
void klpx_defer_module_going(struct module *mod, struct list_head *cancelled);
void klpx_defer_release(struct list_head *cancelled);
void klpx_defer_exit(void);
int klpx_defer_show(struct seq_file *m);

/* inway.c, park.c: the tasks in a switch's way, kept across a teardown's attempts */
struct klpx_inway_set;
struct klpx_inway_set *klpx_inway_set_new(void);
void klpx_inway_set_free(struct klpx_inway_set *set);

/**
 * struct klpx_teardown - a patch disabled while its module goes
 * @node:	entry in teardown.c's list of teardowns in progress
 * @patch:	the patch
 * @restoring:	the patches it replaced come back in its switch; cleared
 *		when a module they concern comes or goes meanwhile
 * @attempting:	one of its attempts is under way: klpx_switch_run() of the
 *		patch is that attempt (not the switch of an object whose
 *		module comes or goes between attempts)
 * @inway:	the tasks in its way, kept across its attempts
 * @next_report: jiffies before which it says nothing more of whom it
 *		waits for: a rate limit of its own
 *
 * Guarded by klpx_mutex, which the teardown drops between its attempts.
 */
struct klpx_teardown {
	struct list_head node;
	struct klpx_patch *patch;
	bool restoring;
	bool attempting;
	struct klpx_inway_set *inway;
	unsigned long next_report;
};

/* teardown.c: a patch module that goes away while its patch is enabled */
struct klpx_teardown *klpx_teardown_of(const struct klpx_patch *patch);
bool klpx_teardown_may_report(struct klpx_teardown *td);
int klpx_teardown_refuse_enable(const struct klpx_patch *patch);
void klpx_teardown_settle_for(struct module *mod, struct list_head *released);
void klpx_patch_teardown_orphan(struct module *mod, bool init_failed,
				struct list_head *gone,
				struct list_head *released);
void klpx_patch_release_orphans(struct list_head *gone, bool run_exit);
void klpx_patch_run_exit(struct module *mod);

/* object.c: one object: resolution, callbacks, its stacks */
int klpx_patch_check_duplicates(struct klpx_patch *patch);
int klpx_object_resolve(struct klpx_object *obj);
void klpx_object_detach(struct klpx_object *obj);
void klpx_object_forget_stacks(struct klpx_object *obj);
void klpx_object_unlink(struct klpx_object *obj);
int klpx_pre_patch(struct klpx_object *obj);
void klpx_post_patch(struct klpx_object *obj);
void klpx_pre_unpatch(struct klpx_object *obj);
void klpx_post_unpatch(struct klpx_object *obj);

/* types.c: the shadow types an object owns */
int klpx_object_register_types(struct klpx_object *obj);
void klpx_object_unregister_types(struct klpx_object *obj);
void klpx_release_object(struct klpx_release *rel, int plan_error,
			 struct klpx_object *obj);
void klpx_release_patches(struct klpx_release *rel, int plan_error,
			  struct list_head *leaving);

/* lifetime.c: an enabled patch's module stays */
void klpx_patch_hold_exit(struct klpx_patch *patch);
void klpx_patch_give_exit(struct klpx_patch *patch);

/* loading.c: objects of modules that come and go */
struct module *klpx_module_live(const char *name);
int klpx_loading_coming(struct module *mod);
void klpx_loading_live(struct module *mod);
void klpx_loading_going(struct module *mod);
bool klpx_loading_init_failed(struct module *mod);
void klpx_loading_exit(void);

/* notifier.c: the module notifiers */
int klpx_module_init(void);
void klpx_module_exit(void);

/* sysfs.c: the files of /sys/kernel/klpx */
int klpx_sysfs_init(void);
void klpx_sysfs_exit(void);

/* debugfs.c */
void klpx_debugfs_init(void);
void klpx_debugfs_exit(void);

#endif /* _KLPX_CORE_CORE_H */
