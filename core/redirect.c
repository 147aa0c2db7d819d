// SPDX-License-Identifier: GPL-2.0
/*
 * redirect.c - how calls of a patched address reach its newest function.
 *
 * Each patched address gets a site: its redirection stack, in a hash table
 * keyed by the address.  A site takes one of two paths (Documentation/
 * core.rst, "How calls reach the replacement"):
 *
 * ops     klpx_fops (fops.c), one IPMODIFY ftrace_ops for every such
 *         site, whose handler looks the site up by the address ftrace
 *         reports and sets the instruction pointer to the newest function
 *         on its stack;
 * direct  the fentry site calls klpx_direct_stub (direct.c), which reads
 *         where to go in the site's table entry; klpx_redirect_flip()
 *         writes that entry inside the switch's step.
 *
 * An empty stack lets the original run on both.  The switch itself only
 * moves functions between stacks (and flips the direct entries); no ftrace
 * call happens inside it.
 *
 * ftrace hears of the sites in batches: the sites an enable prepares, in
 * every object it redirects, are hooked in one call before the switch
 * that first uses them (one direct ops, or one filter change of
 * klpx_fops), and the addresses a switch leaves empty are unhooked in one
 * call afterwards.  Changing the filter of a registered ops rewrites the
 * call sites but does not wait for RCU-tasks; only unregistering an ops
 * does.  A release unregisters every direct ops it empties, and then
 * klpx_fops when no site remains; ftrace waits for RCU-tasks at each
 * (core/compat.h).  So that a disable waits once, not twice, when it has
 * unregistered a direct ops already, klpx_fops then goes in a work.
 *
 * ftrace refuses a direct ops, or klpx_fops's filter to grow, with
 * -EBUSY where another user redirects one of the addresses already (an
 * IPMODIFY user such as the kernel's livepatch; another direct user for
 * a direct ops): a direct ops without ops_func shares an address with no
 * IPMODIFY user, in either order.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/ftrace.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "core.h"
#include "direct.h"
#include "site.h"

/**
 * struct klpx_group - the sites one direct ftrace_ops hooks
 * @node:	entry in klpx_group_list
 * @fops:	the ops, registered with klpx_direct_stub as target
 * @sites:	its sites, by their @group_node
 */
struct klpx_group {
	struct list_head node;
	struct ftrace_ops *fops;
	struct list_head sites;
};

/* Every direct ops; guarded by klpx_mutex. */
static LIST_HEAD(klpx_group_list);

/*
 * Every site, newest first, and the same sites by address.  Both are
 * changed under klpx_mutex; the handler reads the hash table under RCU.
 */
static LIST_HEAD(klpx_site_list);
DEFINE_HASHTABLE(klpx_site_hash, KLPX_SITE_HASH_BITS);

/*
 * The sites prepared since the last klpx_redirect_hook(), by their
 * @group_node; guarded by klpx_mutex.
 */
static LIST_HEAD(klpx_site_pending);

static struct klpx_site *klpx_site_find(unsigned long ip)
{
	struct klpx_site *site;

	hash_for_each_possible(klpx_site_hash, site, hnode, ip)
		if (site->stack.ip == ip)
			return site;
	return NULL;
}

/*
 * Puts @sites on the direct path with one new direct ops, and takes them
 * off @sites.  Returns 0, or an errno after which they stay there,
 * unhooked.
 */
static int klpx_hook_direct(struct list_head *sites)
{
	unsigned int n = klpx_sites_count(sites), i = 0;
	struct klpx_group *group;
	struct klpx_site *site;
	struct ftrace_ops *fops;
	unsigned long *ips;
	int ret = -ENOMEM;

	group = kzalloc(sizeof(*group), GFP_KERNEL);
	ips = kmalloc_array(n, sizeof(*ips), GFP_KERNEL);
	if (!group || !ips)
		goto err_free;
	ret = -ENOSPC;
	list_for_each_entry(site, sites, group_node) {
		site->slot = klpx_direct_slot_get(site->stack.ip);
		if (!site->slot)
			goto err_slots;
		ips[i++] = site->stack.ip;
	}
	fops = klpx_direct_register(ips, n);
	if (IS_ERR(fops)) {
		ret = PTR_ERR(fops);
		goto err_slots;
	}
	kfree(ips);
	group->fops = fops;
	INIT_LIST_HEAD(&group->sites);
	list_for_each_entry(site, sites, group_node)
		site->group = group;
	list_splice_init(sites, &group->sites);
	list_add(&group->node, &klpx_group_list);
	return 0;

err_slots:
	list_for_each_entry(site, sites, group_node) {
		if (!site->slot)
			break;
		klpx_direct_slot_put(site->slot);
		site->slot = NULL;
	}
err_free:
	kfree(ips);
	kfree(group);
	return ret;
}

/* Do the pending sites lie in more than one object? */
static bool klpx_pending_objects(void)
{
	struct klpx_site *site, *first;

	first = list_first_entry(&klpx_site_pending, struct klpx_site,
				 group_node);
	list_for_each_entry(site, &klpx_site_pending, group_node)
		if (site->func->obj != first->func->obj)
			return true;
	return false;
}

/*
 * Puts the pending sites on the direct path: all with one direct ops, or,
 * when ftrace refuses that, one direct ops per object.  An object refused
 * too stays pending, for the ops path.
 */
static void klpx_hook_direct_pending(void)
{
	struct klpx_site *site, *tmp;
	struct klpx_object *obj;
	LIST_HEAD(refused);
	LIST_HEAD(sites);
	bool several;
	int ret;

	several = klpx_pending_objects();
	ret = klpx_hook_direct(&klpx_site_pending);
	if (!ret)
		return;
	while (!list_empty(&klpx_site_pending)) {
		obj = list_first_entry(&klpx_site_pending, struct klpx_site,
				       group_node)->func->obj;
		list_for_each_entry_safe(site, tmp, &klpx_site_pending,
					 group_node)
			if (site->func->obj == obj)
				list_move_tail(&site->group_node, &sites);
		/* One object: its batch was the one refused. */
		if (several)
			ret = klpx_hook_direct(&sites);
		if (!ret)
			continue;
		pr_info("'%s': no direct calls to the functions of %s (%pe): they take the ops path\n",
			obj->patch->mod->name, klpx_object_name(obj),
			ERR_PTR(ret));
		list_splice_tail_init(&sites, &refused);
	}
	list_splice(&refused, &klpx_site_pending);
}

/**
 * klpx_redirect_prepare() - give every function of an object its stack
 * @obj:	a loaded object whose functions are resolved
 *
 * Makes a site for every address of @obj that has none yet; ftrace hears
 * of them at the next klpx_redirect_hook(), which must follow before a
 * switch uses them.  On failure, klpx_redirect_release() removes what was
 * added.
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0, or -ENOMEM.
 */
int klpx_redirect_prepare(struct klpx_object *obj)
{
	struct klpx_site *site;
	struct klpx_func *func;
	unsigned long ip;

	lockdep_assert_held(&klpx_mutex);

	klpx_for_each_func(obj, func) {
		ip = klpx_ftrace_ip(func);
		site = klpx_site_find(ip);
		if (!site) {
			site = kzalloc(sizeof(*site), GFP_KERNEL);
			if (!site) {
				pr_err("'%s': no memory to redirect '%s' in %s\n",
				       obj->patch->mod->name, func->old_name,
				       klpx_object_name(obj));
				return -ENOMEM;
			}
			site->stack.ip = ip;
			site->func = func;
			INIT_LIST_HEAD(&site->stack.funcs);
			list_add(&site->node, &klpx_site_list);
			list_add_tail(&site->group_node, &klpx_site_pending);
			hash_add_rcu(klpx_site_hash, &site->hnode, ip);
		}
		func->stack = &site->stack;
	}
	return 0;
}

/**
 * klpx_redirect_hook() - ftrace hooks the sites prepared since last time
 *
 * Hooks every site klpx_redirect_prepare() made since the last call, of
 * however many objects, in one batch: one direct ops for all of them
 * where ftrace allows it (where it refuses, one per object, and an object
 * refused that too takes the ops path), the rest in one change of
 * klpx_fops's filter.  The handler and the stub run from now on but let
 * the original run until a switch pushes a function.  On failure,
 * klpx_redirect_release() removes what was hooked.
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0; -EBUSY when another ftrace user already redirects one of the
 * addresses, or ftrace is disabled; -ENOMEM; another negative errno when
 * ftrace refuses otherwise.
 */
int klpx_redirect_hook(void)
{
	struct klpx_site *site, *tmp;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	if (list_empty(&klpx_site_pending))
		return 0;
	site = list_first_entry(&klpx_site_pending, struct klpx_site,
				group_node);
	ret = klpx_fops_get(site->func);
	if (ret)
		goto out;
	if (klpx_direct_wanted())
		klpx_hook_direct_pending();
	if (!list_empty(&klpx_site_pending))
		ret = klpx_fops_hook(&klpx_site_pending);
out:
	list_for_each_entry_safe(site, tmp, &klpx_site_pending, group_node)
		list_del_init(&site->group_node);
	return ret;
}

/*
 * Unregisters each direct ops all of whose sites are empty: the ops goes
 * to @groups, its sites to @gone.  Returns how many ftrace unregistered,
 * each after a wait for RCU-tasks.
 */
static unsigned int klpx_release_groups(struct list_head *gone,
					struct list_head *groups)
{
	struct klpx_group *group, *gtmp;
	struct klpx_site *site;
	unsigned int nr = 0;

	list_for_each_entry_safe(group, gtmp, &klpx_group_list, node) {
		bool empty = true;

		list_for_each_entry(site, &group->sites, group_node)
			if (!list_empty(&site->stack.funcs))
				empty = false;
		if (!empty)
			continue;
		if (klpx_direct_unregister(group->fops))
			/* The stub may still be called: keep the entries. */
			group->fops = NULL;
		else
			nr++;
		list_for_each_entry(site, &group->sites, group_node) {
			hash_del_rcu(&site->hnode);
			list_move(&site->node, gone);
		}
		list_move(&group->node, groups);
	}
	return nr;
}

/*
 * Frees the direct ops of @groups, unregistered and waited for, and their
 * sites' stub entries; before the sites themselves are freed.
 */
static void klpx_free_groups(struct list_head *groups)
{
	struct klpx_group *group, *gtmp;
	struct klpx_site *site;

	list_for_each_entry_safe(group, gtmp, groups, node) {
		if (group->fops) {
			list_for_each_entry(site, &group->sites, group_node)
				klpx_direct_slot_put(site->slot);
			kfree(group->fops);
		}
		list_del(&group->node);
		kfree(group);
	}
}

/*
 * Drops every site whose stack is empty (see klpx_redirect_release());
 * with @switched, klpx_fops may go idle for the work to unregister.
 */
static void klpx_redirect_drop(bool switched)
{
	struct klpx_site *site, *tmp;
	unsigned int nr = 0, waited;
	LIST_HEAD(groups);
	LIST_HEAD(gone);
	bool idle;

	lockdep_assert_held(&klpx_mutex);

	waited = klpx_release_groups(&gone, &groups);
	list_for_each_entry_safe(site, tmp, &klpx_site_list, node) {
		if (!list_empty(&site->stack.funcs) || site->group)
			continue;
		hash_del_rcu(&site->hnode);
		list_move(&site->node, &gone);
		/* An enable that failed before it hooked its sites. */
		list_del_init(&site->group_node);
		if (site->hooked)
			nr++;
	}
	if (list_empty(&gone))
		return;

	idle = switched && waited;
	if (list_empty(&klpx_site_list) && idle)
		klpx_fops_release_later();
	else if (list_empty(&klpx_site_list))
		klpx_fops_release();
	else if (nr)
		klpx_fops_unhook(&gone, nr);
	/* Pairs with the handler's RCU read-side section. */
	synchronize_rcu();
	klpx_free_groups(&groups);
	list_for_each_entry_safe(site, tmp, &gone, node)
		kfree(site);
}

/**
 * klpx_redirect_release() - drop every site whose stack is empty
 *
 * Unregisters each direct ops whose sites are all empty (a direct site
 * stays, its stub entry sending calls to the original, while others of
 * its ops are in use), and unhooks the ops-path addresses in one change
 * of klpx_fops's filter; when no site remains, unregisters klpx_fops.  It
 * then waits until no task can still be in the handler or on its way
 * into the stub from a dropped site, and frees them.  For the unwinding
 * of an enable that did not switch: the system is then as it was.
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_redirect_release(void)
{
	klpx_redirect_drop(false);
}

/**
 * klpx_redirect_release_switched() - drop the sites a switch emptied
 *
 * As klpx_redirect_release(), after a switch that happened (a disable, a
 * replace, an unloading object), except that klpx_fops adds no wait for
 * RCU-tasks to those of the direct ops: when ftrace has waited already
 * for a direct ops this unregistered and no site remains, a work
 * unregisters klpx_fops (the next enable takes it back, if it comes
 * first); ftrace can be disabled once the work is done.  A disable waits
 * once per direct ops it empties: one for the sites its enable hooked,
 * one more for each module loaded later.
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_redirect_release_switched(void)
{
	klpx_redirect_drop(true);
}

/**
 * klpx_redirect_exit() - klpx_fops is gone
 *
 * Waits for the work that unregisters an idle klpx_fops.
 *
 * Context: klpx.ko's exit: no patch is registered, klpx_mutex is not
 * held; sleeps.
 */
void klpx_redirect_exit(void)
{
	klpx_fops_exit();
}

/**
 * klpx_redirect_flip() - the direct sites follow their stacks
 * @sw:		the plan klpx_switch_apply() has just carried out
 *
 * Points the stub entry of every direct site the plan touched at the
 * newest function on its stack, or at the original when it is empty.
 *
 * Context: inside stop_machine(), right after klpx_switch_apply(); does
 * not sleep, take locks or call into ftrace.
 */
void klpx_redirect_flip(const struct klpx_switch *sw)
{
	struct klpx_site *site;
	struct klpx_func *func, *top;
	unsigned int i;

	for (i = 0; i < sw->nr_pop + sw->nr_push; i++) {
		func = i < sw->nr_pop ? sw->pop[i] : sw->push[i - sw->nr_pop];
		site = container_of(func->stack, struct klpx_site, stack);
		if (!site->group)
			continue;
		top = klpx_stack_top(&site->stack);
		klpx_direct_set(site->slot, top ? top->new_func : NULL);
	}
}

/**
 * klpx_redirect_show() - one line per redirected function
 * @m:		the seq_file of /sys/kernel/debug/klpx/funcs
 *
 * Prints "func=<name> object=<object> patches=<newest>[,<older>...]
 * path=<direct|ops>" for every address whose stack holds a function; the
 * first patch listed is the one whose code runs, the path how calls reach
 * it.
 *
 * Context: process context; takes klpx_mutex, sleeps.
 * Return: 0, or -EINTR when killed while waiting for klpx_mutex.
 */
int klpx_redirect_show(struct seq_file *m)
{
	struct klpx_func *top, *func;
	struct klpx_site *site;

	if (mutex_lock_killable(&klpx_mutex))
		return -EINTR;
	list_for_each_entry(site, &klpx_site_list, node) {
		top = klpx_stack_top(&site->stack);
		if (!top)
			continue;
		seq_printf(m, "func=%s object=%s patches=", top->old_name,
			   klpx_object_name(top->obj));
		list_for_each_entry(func, &site->stack.funcs, stack_node)
			seq_printf(m, "%s%s", func == top ? "" : ",",
				   klpx_patch_name(func->obj->patch));
		seq_printf(m, " path=%s\n", site->group ? "direct" : "ops");
	}
	mutex_unlock(&klpx_mutex);
	return 0;
}
