// SPDX-License-Identifier: GPL-2.0
/*
 * fops.c - the ops path: klpx_fops, one IPMODIFY ftrace_ops for every
 * site not on the direct path, whose handler sets the instruction pointer
 * to the newest function on the site's stack (core/redirect.c has the
 * sites and the overview).
 *
 * klpx_fops always hooks klpx_ftrace_anchor() too, a function that never
 * runs: its filter is never empty (which would trace every function).  It
 * is PERMANENT, and registered while any site exists, on either path:
 * ftrace cannot be disabled meanwhile.  klpx never changes the flags of a
 * registered ops: ftrace reads them under its own lock.  When no site
 * remains it is unregistered, which waits for RCU-tasks; after a release
 * that waited for a direct ops already, a work does that instead
 * (klpx_fops_release_later()), so that a disable waits once.
 *
 * FTRACE_OPS_FL_IPMODIFY makes ftrace refuse a second redirection of the
 * same address: a function the kernel's own livepatch (or anything else
 * that changes the instruction pointer) already owns cannot be patched,
 * and ftrace says so with -EBUSY.  It says the same while ftrace is
 * disabled (kernel.ftrace_enabled=0), because klpx_fops is
 * FTRACE_OPS_FL_PERMANENT.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include "compat.h"
#include "core.h"
#include "site.h"

/*
 * What klpx_fops asks of ftrace, and why:
 *
 * IPMODIFY   the handler changes where the traced function goes on.
 *            ftrace grants that to one ops per address: this is what
 *            keeps klpx and any other redirector (the kernel's own
 *            livepatch, say) off each other's addresses.
 * PERMANENT  ftrace may not be switched off (kernel.ftrace_enabled=0)
 *            while a redirection stands, which would quietly bring the
 *            original back; in turn, while it is off, registering fails
 *            with -EBUSY.
 * DYNAMIC    the ops is allocated: unregistering it waits until no CPU
 *            can still be in its handler, after which it may be freed.
 */
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#error "klpx redirects through ftrace_regs: it needs DYNAMIC_FTRACE_WITH_ARGS"
#endif
#define KLPX_FTRACE_FLAGS	(FTRACE_OPS_FL_IPMODIFY | \
				 FTRACE_OPS_FL_PERMANENT | \
				 FTRACE_OPS_FL_DYNAMIC)

/*
 * The ops that hooks every site on the ops path, and klpx_ftrace_anchor(),
 * NULL while no site exists (but while klpx_fops_idle); guarded by
 * klpx_mutex.
 */
static struct ftrace_ops *klpx_fops;

/*
 * klpx_fops hooks klpx_ftrace_anchor() alone and klpx_fops_reap_work will
 * unregister it, unless an enable takes it back first; guarded by
 * klpx_mutex.  Set by a release after a switch that left no site and had
 * waited for RCU-tasks already (it unregistered a direct ops): the second
 * wait, klpx_fops's, then happens in the work, not in the disable.
 */
static bool klpx_fops_idle;

/*
 * The ops the work took from klpx_fops and is unregistering, outside
 * klpx_mutex; NULL again when ftrace is done with it.  Written by the
 * work, waited for by an enable that registers klpx_fops anew (both hook
 * klpx_ftrace_anchor() with IPMODIFY, which ftrace grants one of them).
 */
static struct ftrace_ops *klpx_fops_reaping;

/*
 * Always in klpx_fops's filter, never called: see the top of this file.
 * Traced (no notrace), so that it has an fentry site.
 */
static noinline void klpx_ftrace_anchor(void)
{
	barrier();
}

/*
 * The implementation @stack's address runs now, seen from the handler:
 * the newest function on it, or NULL for the original.  The caller is in
 * an RCU read-side section.  Inlined: the handler calls nothing ftrace
 * could trace.
 */
static __always_inline struct klpx_func *
klpx_stack_top_rcu(struct klpx_func_stack *stack)
{
	/* Pairs with list_add_rcu() in klpx_switch_apply(). */
	return list_first_or_null_rcu(&stack->funcs, struct klpx_func,
				      stack_node);
}

/*
 * ftrace calls this on entry to a hooked address, before the body of the
 * original runs, and goes on wherever it leaves the instruction pointer.
 * An address without a site (its last function went and the filter has
 * not caught up yet) or with an empty stack leaves it where it is.
 */
static void notrace klpx_ftrace_entry(unsigned long ip,
				      unsigned long parent_ip,
				      struct ftrace_ops *fops,
				      struct ftrace_regs *fregs)
{
	struct klpx_site *site;
	struct klpx_func *top;
	int rctx;

	/*
	 * Holding the recursion context keeps this CPU from being preempted
	 * until we let go of it, which makes us an RCU reader the switch can
	 * wait out (see the concurrency notes in core.h).  It is refused only
	 * when the handler runs inside itself in one context, which no
	 * redirection should cause: the original then runs untouched.
	 */
	rctx = ftrace_test_recursion_trylock(ip, parent_ip);
	if (WARN_ON_ONCE(rctx < 0))
		return;
	hash_for_each_possible_rcu_notrace(klpx_site_hash, site, hnode, ip) {
		if (site->stack.ip != ip)
			continue;
		top = klpx_stack_top_rcu(&site->stack);
		if (top)
			klpx_ftrace_regs_set_ip(fregs,
						(unsigned long)top->new_func);
		break;
	}
	ftrace_test_recursion_unlock(rctx);
}

static void klpx_refused(struct klpx_func *func, int ret)
{
	const char *patch = func->obj->patch->mod->name;

	if (ret == -EBUSY)
		/* IPMODIFY taken or PERMANENT refused: ftrace does not say which. */
		pr_err("'%s': ftrace refuses to redirect '%s' in %s: another ftrace user (the kernel's livepatch?) already redirects it, or ftrace is disabled (sysctl kernel.ftrace_enabled=0)\n",
		       patch, func->old_name, klpx_object_name(func->obj));
	else
		pr_err("'%s': cannot redirect '%s' in %s: %pe\n", patch,
		       func->old_name, klpx_object_name(func->obj), ERR_PTR(ret));
}

/*
 * Registers klpx_fops with klpx_ftrace_anchor() alone in its filter; it
 * fails (with -EBUSY) only while ftrace is disabled, which the log line
 * names @func for.
 */
static int klpx_fops_register(struct klpx_func *func)
{
	unsigned long anchor = ftrace_location((unsigned long)klpx_ftrace_anchor);
	struct ftrace_ops *fops;
	int ret;

	if (WARN_ON_ONCE(!anchor))
		return -ENODEV;
	fops = kzalloc(sizeof(*fops), GFP_KERNEL);
	if (!fops) {
		pr_err("'%s': no memory to redirect '%s' in %s\n",
		       func->obj->patch->mod->name, func->old_name,
		       klpx_object_name(func->obj));
		return -ENOMEM;
	}
	fops->func = klpx_ftrace_entry;
	fops->flags = KLPX_FTRACE_FLAGS;
	ret = ftrace_set_filter_ip(fops, anchor, 0, 0);
	if (ret)
		goto err_free;
	ret = register_ftrace_function(fops);
	if (ret)
		goto err_filter;
	klpx_fops = fops;
	return 0;

err_filter:
	ftrace_free_filter(fops);
err_free:
	klpx_refused(func, ret);
	kfree(fops);
	return ret;
}

/*
 * Unregisters @fops, once klpx_fops, which waits for RCU-tasks until no
 * task can still be in the handler, or on its way into the direct stub
 * from an ops unregistered before.  Returns 0, or ftrace's errno: the ops
 * (and klpx.ko with it) then stays for good, as ftrace may still call the
 * handler.
 */
static int klpx_fops_unregister(struct ftrace_ops *fops)
{
	int ret;

	ret = unregister_ftrace_function(fops);
	if (ret) {
		pr_err("cannot unregister klpx's ftrace_ops: %pe; klpx.ko stays loaded\n",
		       ERR_PTR(ret));
		__module_get(THIS_MODULE);
		return ret;
	}
	ftrace_free_filter(fops);
	kfree(fops);
	return 0;
}

/*
 * Unregisters an idle klpx_fops, unless an enable has taken it back
 * meanwhile: detached under klpx_mutex, unregistered outside it, so that
 * nothing that needs klpx_mutex (a module load) waits for RCU-tasks.
 */
static void klpx_fops_reap_fn(struct work_struct *work)
{
	struct ftrace_ops *fops = NULL;

	mutex_lock(&klpx_mutex);
	if (klpx_fops_idle) {
		fops = klpx_fops;
		klpx_fops = NULL;
		klpx_fops_idle = false;
		WRITE_ONCE(klpx_fops_reaping, fops);
	}
	mutex_unlock(&klpx_mutex);
	if (!fops)
		return;
	klpx_fops_unregister(fops);
	/* Pairs with the smp_load_acquire() in klpx_fops_reaped(). */
	smp_store_release(&klpx_fops_reaping, NULL);
	wake_up_var(&klpx_fops_reaping);
}

static DECLARE_WORK(klpx_fops_reap_work, klpx_fops_reap_fn);

/* Is the work done with the ops it took from klpx_fops, if any? */
static bool klpx_fops_reaped(void)
{
	/* Pairs with the smp_store_release() in klpx_fops_reap_fn(). */
	return !smp_load_acquire(&klpx_fops_reaping);
}

/**
 * klpx_fops_get() - klpx_fops is registered, for a batch to be hooked
 * @func:	the function of the batch a log line names on failure
 *
 * Takes an idle klpx_fops back (still PERMANENT, so ftrace is enabled),
 * or registers one, once the work is done with the one it took.
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0; -EBUSY while ftrace is disabled; -ENOMEM; another errno of
 * ftrace.
 */
int klpx_fops_get(struct klpx_func *func)
{
	lockdep_assert_held(&klpx_mutex);

	if (klpx_fops) {
		klpx_fops_idle = false;
		return 0;
	}
	/* The work does not take klpx_mutex while it unregisters. */
	wait_var_event(&klpx_fops_reaping, klpx_fops_reaped());
	return klpx_fops_register(func);
}

/*
 * ftrace refused, with @ret, to add @sites to klpx_fops's filter; the
 * filter is as it was.  -EBUSY names no address: add them one at a time
 * (removing each again) to name one it refuses.  Only after a failure, so
 * the extra call site rewrites cost nothing usually.  Any other errno is
 * logged as it is.
 */
static void klpx_refused_batch(struct list_head *sites, int ret)
{
	struct klpx_site *site;
	int one;

	list_for_each_entry(site, sites, group_node) {
		if (ret != -EBUSY)
			break;
		one = ftrace_set_filter_ips(klpx_fops, &site->stack.ip, 1, 0, 0);
		if (one) {
			klpx_refused(site->func, one);
			return;
		}
		ftrace_set_filter_ips(klpx_fops, &site->stack.ip, 1, 1, 0);
	}
	site = list_first_entry(sites, struct klpx_site, group_node);
	pr_err("'%s': ftrace refuses to redirect %u functions: %pe\n",
	       site->func->obj->patch->mod->name, klpx_sites_count(sites),
	       ERR_PTR(ret));
}

/**
 * klpx_fops_hook() - put sites on the ops path
 * @sites:	sites not hooked yet, by their group_node, none empty
 *
 * Adds their addresses to klpx_fops's filter in one call, which rewrites
 * the call sites but waits for no grace period.
 *
 * Context: klpx_mutex held, klpx_fops_get() done; sleeps.
 * Return: 0; -EBUSY when another ftrace user redirects one of the
 * addresses (the log line names it); -ENOMEM; another errno of ftrace.
 * On failure the filter is as it was.
 */
int klpx_fops_hook(struct list_head *sites)
{
	unsigned int n = klpx_sites_count(sites), i = 0;
	struct klpx_site *site;
	unsigned long *ips;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	ips = kmalloc_array(n, sizeof(*ips), GFP_KERNEL);
	if (!ips) {
		site = list_first_entry(sites, struct klpx_site, group_node);
		pr_err("'%s': no memory to redirect %u functions\n",
		       site->func->obj->patch->mod->name, n);
		return -ENOMEM;
	}
	list_for_each_entry(site, sites, group_node)
		ips[i++] = site->stack.ip;
	ret = ftrace_set_filter_ips(klpx_fops, ips, n, 0, 0);
	kfree(ips);
	if (ret) {
		klpx_refused_batch(sites, ret);
		return ret;
	}
	list_for_each_entry(site, sites, group_node)
		site->hooked = true;
	return 0;
}

/**
 * klpx_fops_unhook() - take dropped sites off the ops path
 * @gone:	dropped sites, by their node, some still hooked
 * @nr:		how many of @gone are hooked
 *
 * Removes their addresses from klpx_fops's filter in one call; where
 * ftrace refuses, the handler finds no site there and the original runs.
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_fops_unhook(struct list_head *gone, unsigned int nr)
{
	struct klpx_site *site;
	unsigned long *ips;
	unsigned int n = 0;
	int ret = -ENOMEM;

	lockdep_assert_held(&klpx_mutex);

	ips = kmalloc_array(nr, sizeof(*ips), GFP_KERNEL);
	if (ips) {
		list_for_each_entry(site, gone, node)
			if (site->hooked)
				ips[n++] = site->stack.ip;
		ret = ftrace_set_filter_ips(klpx_fops, ips, n, 1, 0);
		kfree(ips);
	}
	if (ret)
		pr_warn("%u addresses stay hooked (ftrace error %pe); their originals run\n",
			nr, ERR_PTR(ret));
}

/**
 * klpx_fops_release() - no site remains: unregister klpx_fops now
 *
 * Waits for RCU-tasks until no task can still be in the handler, or on
 * its way into the direct stub from an ops unregistered before.  An idle
 * klpx_fops is left to the work, which has it already.
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_fops_release(void)
{
	lockdep_assert_held(&klpx_mutex);

	if (!klpx_fops || klpx_fops_idle)
		return;
	klpx_fops_unregister(klpx_fops);
	klpx_fops = NULL;
}

/**
 * klpx_fops_release_later() - no site remains: a work unregisters klpx_fops
 *
 * For a release that has waited for RCU-tasks already (it unregistered a
 * direct ops): klpx_fops, still PERMANENT, goes in a work, on the
 * workqueue meant for long works, unless an enable takes it back first.
 * ftrace can be disabled once the work is done.
 *
 * Context: klpx_mutex held.
 */
void klpx_fops_release_later(void)
{
	lockdep_assert_held(&klpx_mutex);

	if (!klpx_fops)
		return;
	klpx_fops_idle = true;
	queue_work(system_long_wq, &klpx_fops_reap_work);
}

/**
 * klpx_fops_exit() - klpx_fops is gone
 *
 * Waits for the work that unregisters an idle klpx_fops.
 *
 * Context: klpx.ko's exit: no patch is registered, klpx_mutex is not
 * held; sleeps.
 */
void klpx_fops_exit(void)
{
	flush_work(&klpx_fops_reap_work);
	WARN_ON_ONCE(klpx_fops);
}
