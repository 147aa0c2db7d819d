// SPDX-License-Identifier: GPL-2.0
/*
 * redirect.c - one ftrace_ops per patched address.
 *
 * Each patched address gets an ftrace_ops, registered before the switch
 * that first uses it, whose handler follows the address's redirection
 * stack: the newest function on it runs, an empty stack lets the original
 * run.  The switch itself then only moves functions between stacks; no
 * ftrace registration happens inside it.  When a switch leaves a stack
 * empty, its ops is unregistered afterwards.
 *
 * FTRACE_OPS_FL_IPMODIFY makes ftrace refuse a second redirection of the
 * same address: a function the kernel's own livepatch (or anything else
 * that changes the instruction pointer) already owns cannot be patched,
 * and register_ftrace_function() says so with -EBUSY.  It says the same
 * while ftrace is disabled (kernel.ftrace_enabled=0), because our ops are
 * FTRACE_OPS_FL_PERMANENT.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "compat.h"
#include "core.h"

/*
 * What every klpx ftrace_ops asks of ftrace, and why:
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

/**
 * struct klpx_ops - the ftrace side of one patched address
 * @node:	entry in klpx_ops_list
 * @stack:	the functions redirecting this address
 * @fops:	registered with a filter on @stack.ip only
 */
struct klpx_ops {
	struct list_head node;
	struct klpx_func_stack stack;
	struct ftrace_ops fops;
};

/* Every registered klpx_ops; guarded by klpx_mutex. */
static LIST_HEAD(klpx_ops_list);

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
 * ftrace calls this on entry to a redirected address, before the body of
 * the original runs, and goes on wherever it leaves the instruction
 * pointer.  An empty stack (the ops is registered before the first switch
 * and unregistered only after the last pop) leaves it where it is.
 */
static void notrace klpx_ftrace_entry(unsigned long ip,
				      unsigned long parent_ip,
				      struct ftrace_ops *fops,
				      struct ftrace_regs *fregs)
{
	struct klpx_ops *ops = container_of(fops, struct klpx_ops, fops);
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
	top = klpx_stack_top_rcu(&ops->stack);
	if (top)
		klpx_ftrace_regs_set_ip(fregs, (unsigned long)top->new_func);
	ftrace_test_recursion_unlock(rctx);
}

static struct klpx_ops *klpx_ops_find(unsigned long ip)
{
	struct klpx_ops *ops;

	list_for_each_entry(ops, &klpx_ops_list, node)
		if (ops->stack.ip == ip)
			return ops;
	return NULL;
}

static struct klpx_ops *klpx_ops_create(struct klpx_func *func,
					unsigned long ip)
{
	const char *patch = func->obj->patch->mod->name;
	struct klpx_ops *ops;
	int ret;

	ops = kzalloc(sizeof(*ops), GFP_KERNEL);
	if (!ops) {
		pr_err("'%s': no memory to redirect '%s' in %s\n", patch,
		       func->old_name, klpx_object_name(func->obj));
		return ERR_PTR(-ENOMEM);
	}
	ops->stack.ip = ip;
	INIT_LIST_HEAD(&ops->stack.funcs);
	ops->fops.func = klpx_ftrace_entry;
	ops->fops.flags = KLPX_FTRACE_FLAGS;

	ret = ftrace_set_filter_ip(&ops->fops, ip, 0, 0);
	if (ret) {
		pr_err("'%s': ftrace cannot hook '%s' in %s: %d\n", patch,
		       func->old_name, klpx_object_name(func->obj), ret);
		goto err_free;
	}
	ret = register_ftrace_function(&ops->fops);
	if (ret == -EBUSY) {
		/* IPMODIFY taken or PERMANENT refused: ftrace does not say which. */
		pr_err("'%s': ftrace refuses to redirect '%s' in %s: another ftrace user (the kernel's livepatch?) already redirects it, or ftrace is disabled (sysctl kernel.ftrace_enabled=0)\n",
		       patch, func->old_name, klpx_object_name(func->obj));
		goto err_filter;
	} else if (ret) {
		pr_err("'%s': cannot redirect '%s' in %s: %d\n", patch,
		       func->old_name, klpx_object_name(func->obj), ret);
		goto err_filter;
	}
	list_add(&ops->node, &klpx_ops_list);
	return ops;

err_filter:
	ftrace_free_filter(&ops->fops);
err_free:
	kfree(ops);
	return ERR_PTR(ret);
}

/**
 * klpx_redirect_prepare() - give every function of an object its stack
 * @obj:	a loaded object whose functions are resolved
 *
 * Registers an ftrace_ops for each address that has none yet; the handler
 * runs from now on but lets the original run until a switch pushes a
 * function.  On failure, klpx_redirect_release() removes what was added.
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0; -EBUSY when another ftrace user already redirects one of the
 * addresses, or ftrace is disabled; another negative errno when ftrace
 * refuses otherwise.
 */
int klpx_redirect_prepare(struct klpx_object *obj)
{
	struct klpx_func *func;
	struct klpx_ops *ops;
	unsigned long ip;

	lockdep_assert_held(&klpx_mutex);

	klpx_for_each_func(obj, func) {
		ip = klpx_ftrace_ip(func);
		ops = klpx_ops_find(ip);
		if (!ops) {
			ops = klpx_ops_create(func, ip);
			if (IS_ERR(ops))
				return PTR_ERR(ops);
		}
		func->stack = &ops->stack;
	}
	return 0;
}

/**
 * klpx_redirect_release() - unregister the ops of every empty stack
 *
 * Unregistering waits until no CPU can still be in the handler, so the
 * ops can be freed right after.
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_redirect_release(void)
{
	struct klpx_ops *ops, *tmp;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	list_for_each_entry_safe(ops, tmp, &klpx_ops_list, node) {
		if (!list_empty(&ops->stack.funcs))
			continue;
		ret = unregister_ftrace_function(&ops->fops);
		if (ret) {
			/*
			 * ftrace may still call the handler: keep the ops,
			 * and klpx.ko with it, for good.
			 */
			pr_err("cannot unregister the ftrace_ops of %ps: %d; klpx.ko stays loaded\n",
			       (void *)ops->stack.ip, ret);
			list_del(&ops->node);
			__module_get(THIS_MODULE);
			continue;
		}
		ftrace_free_filter(&ops->fops);
		list_del(&ops->node);
		kfree(ops);
	}
}

/**
 * klpx_redirect_show() - one line per redirected function
 * @m:		the seq_file of /sys/kernel/debug/klpx/funcs
 *
 * Prints "func=<name> object=<object> patches=<newest>[,<older>...]" for
 * every address whose stack holds a function; the first patch listed is
 * the one whose code runs.
 *
 * Context: process context; takes klpx_mutex, sleeps.
 * Return: 0, or -EINTR when killed while waiting for klpx_mutex.
 */
int klpx_redirect_show(struct seq_file *m)
{
	struct klpx_func *top, *func;
	struct klpx_ops *ops;

	if (mutex_lock_killable(&klpx_mutex))
		return -EINTR;
	list_for_each_entry(ops, &klpx_ops_list, node) {
		top = klpx_stack_top(&ops->stack);
		if (!top)
			continue;
		seq_printf(m, "func=%s object=%s patches=", top->old_name,
			   klpx_object_name(top->obj));
		list_for_each_entry(func, &ops->stack.funcs, stack_node)
			seq_printf(m, "%s%s", func == top ? "" : ",",
				   klpx_patch_name(func->obj->patch));
		seq_putc(m, '\n');
	}
	mutex_unlock(&klpx_mutex);
	return 0;
}
