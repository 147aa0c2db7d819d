// SPDX-License-Identifier: GPL-2.0
/*
 * plan.c - what a switch changes, decided without touching the machine.
 *
 * Enabling a patch pushes the functions of its loaded objects onto the
 * redirection stacks of their addresses; an atomic replace also pops every
 * function of every enabled patch in the same step, so an address that only
 * replaced patches redirected is left with an empty stack: it reverts to the
 * original code.  Disabling a patch, or the module of one of its objects
 * going away, pops.  The activeness check then needs the code ranges of
 * every implementation of every address the step touches.
 *
 * The checks of a patch are in plan_check.c, the shadow types that leave
 * with patches or objects in plan_release.c.
 *
 * Everything here runs under klpx_mutex, except klpx_switch_apply() and
 * klpx_switch_hit(), which run inside stop_machine() on behalf of a caller
 * that holds it.
 */
#include <linux/errno.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include "plan.h"

/**
 * klpx_stack_top() - the implementation an address runs now
 * @stack:	a redirection stack
 *
 * Context: klpx_mutex held.
 * Return: the newest function on @stack, or NULL when the original runs.
 */
struct klpx_func *klpx_stack_top(struct klpx_func_stack *stack)
{
	return list_first_entry_or_null(&stack->funcs, struct klpx_func,
					stack_node);
}

static unsigned int klpx_count_funcs(struct klpx_object *obj, bool patched)
{
	struct klpx_func *func;
	unsigned int n = 0;

	klpx_for_each_func(obj, func)
		if (!patched || func->patched)
			n++;
	return n;
}

/* Functions of @patch leaving: those patched, of any object. */
static unsigned int klpx_count_pops(struct klpx_patch *patch)
{
	struct klpx_object *obj;
	unsigned int n = 0;

	klpx_for_each_object(patch, obj)
		n += klpx_count_funcs(obj, true);
	return n;
}

/* Functions of @patch joining: every one of its loaded objects. */
static unsigned int klpx_count_pushes(struct klpx_patch *patch)
{
	struct klpx_object *obj;
	unsigned int n = 0;

	klpx_for_each_object(patch, obj)
		if (klpx_object_loaded(obj))
			n += klpx_count_funcs(obj, false);
	return n;
}

/* Queue what klpx_count_pops() counted; @sw has room for it. */
static void klpx_plan_pop_patch(struct klpx_switch *sw,
				struct klpx_patch *patch)
{
	struct klpx_object *obj;
	struct klpx_func *func;

	klpx_for_each_object(patch, obj)
		klpx_for_each_func(obj, func)
			if (func->patched)
				sw->pop[sw->nr_pop++] = func;
}

/* Queue what klpx_count_pushes() counted; @sw has room for it. */
static void klpx_plan_push_patch(struct klpx_switch *sw,
				 struct klpx_patch *patch)
{
	struct klpx_object *obj;
	struct klpx_func *func;

	klpx_for_each_object(patch, obj) {
		if (!klpx_object_loaded(obj))
			continue;
		klpx_for_each_func(obj, func)
			sw->push[sw->nr_push++] = func;
	}
}

static int klpx_plan_alloc(struct klpx_switch *sw, unsigned int nr_pop,
			   unsigned int nr_push)
{
	memset(sw, 0, sizeof(*sw));
	sw->pop = kcalloc(nr_pop ? nr_pop : 1, sizeof(*sw->pop), GFP_KERNEL);
	sw->push = kcalloc(nr_push ? nr_push : 1, sizeof(*sw->push),
			   GFP_KERNEL);
	if (!sw->pop || !sw->push) {
		klpx_plan_free(sw);
		return -ENOMEM;
	}
	return 0;
}

static bool klpx_plan_seen_stack(struct klpx_switch *sw, unsigned int pop_end,
				 unsigned int push_end,
				 struct klpx_func_stack *stack)
{
	unsigned int i;

	for (i = 0; i < pop_end; i++)
		if (sw->pop[i]->stack == stack)
			return true;
	for (i = 0; i < push_end; i++)
		if (sw->push[i]->stack == stack)
			return true;
	return false;
}

static void klpx_plan_add_range(struct klpx_switch *sw, unsigned long start,
				unsigned long size, const char *name)
{
	struct klpx_range *r = &sw->ranges[sw->nr_ranges++];

	r->start = start;
	r->end = start + size;
	r->name = name;
}

static void klpx_plan_add_stack(struct klpx_switch *sw, struct klpx_func *via)
{
	struct klpx_func *func;

	klpx_plan_add_range(sw, via->old_addr, via->old_size, via->old_name);
	list_for_each_entry(func, &via->stack->funcs, stack_node)
		klpx_plan_add_range(sw, (unsigned long)func->new_func,
				    func->new_size, NULL);
}

static int klpx_range_cmp(const void *a, const void *b)
{
	const struct klpx_range *ra = a, *rb = b;

	if (ra->start != rb->start)
		return ra->start < rb->start ? -1 : 1;
	return 0;
}

/*
 * Every implementation of every touched address: the original, everything
 * on its stack (only the top can be running, but a lower one is just as
 * cheap to look for) and what is being pushed.  A task inside any of them
 * could otherwise return into, or keep running, code of the wrong version.
 */
static int klpx_plan_ranges(struct klpx_switch *sw)
{
	struct klpx_func *func, *f;
	unsigned int i, n = sw->nr_push;

	for (i = 0; i < sw->nr_pop + sw->nr_push; i++) {
		bool is_pop = i < sw->nr_pop;

		func = is_pop ? sw->pop[i] : sw->push[i - sw->nr_pop];
		if (klpx_plan_seen_stack(sw, is_pop ? i : sw->nr_pop,
					 is_pop ? 0 : i - sw->nr_pop,
					 func->stack))
			continue;
		n++;
		list_for_each_entry(f, &func->stack->funcs, stack_node)
			n++;
	}

	sw->ranges = kcalloc(n ? n : 1, sizeof(*sw->ranges), GFP_KERNEL);
	if (!sw->ranges)
		return -ENOMEM;
	sw->nr_ranges = 0;

	for (i = 0; i < sw->nr_pop + sw->nr_push; i++) {
		bool is_pop = i < sw->nr_pop;

		func = is_pop ? sw->pop[i] : sw->push[i - sw->nr_pop];
		if (!klpx_plan_seen_stack(sw, is_pop ? i : sw->nr_pop,
					  is_pop ? 0 : i - sw->nr_pop,
					  func->stack))
			klpx_plan_add_stack(sw, func);
	}
	for (i = 0; i < sw->nr_push; i++)
		klpx_plan_add_range(sw, (unsigned long)sw->push[i]->new_func,
				    sw->push[i]->new_size, NULL);
	/* By start, for klpx_switch_hit()'s binary search. */
	sort(sw->ranges, sw->nr_ranges, sizeof(*sw->ranges),
	     klpx_range_cmp, NULL);
	return 0;
}

static int klpx_plan_finish(struct klpx_switch *sw, bool check)
{
	int ret;

	sw->check = check;
	if (!check)
		return 0;
	ret = klpx_plan_ranges(sw);
	if (ret)
		klpx_plan_free(sw);
	return ret;
}

/**
 * klpx_plan_enable() - the switch that enables a patch
 * @sw:		filled with the plan; free it with klpx_plan_free()
 * @patch:	the patch, its loaded objects resolved and their functions
 *		given a stack
 * @enabled:	the enabled patches (klpx_patch.list), @patch not among them
 * @check:	run the activeness check
 *
 * Pushes every function of every loaded object of @patch.  When
 * @patch->replace, also pops every patched function of every enabled patch.
 *
 * Return: 0, or -ENOMEM.
 */
int klpx_plan_enable(struct klpx_switch *sw, struct klpx_patch *patch,
		     struct list_head *enabled, bool check)
{
	unsigned int nr_pop = 0;
	struct klpx_patch *old;
	int ret;

	if (patch->replace)
		list_for_each_entry(old, enabled, list)
			nr_pop += klpx_count_pops(old);
	ret = klpx_plan_alloc(sw, nr_pop, klpx_count_pushes(patch));
	if (ret)
		return ret;
	if (patch->replace)
		list_for_each_entry(old, enabled, list)
			klpx_plan_pop_patch(sw, old);
	klpx_plan_push_patch(sw, patch);
	return klpx_plan_finish(sw, check);
}

/**
 * klpx_plan_disable() - the switch that disables a patch
 * @sw:		filled with the plan; free it with klpx_plan_free()
 * @patch:	an enabled patch
 * @check:	run the activeness check
 *
 * Return: 0, or -ENOMEM.
 */
int klpx_plan_disable(struct klpx_switch *sw, struct klpx_patch *patch,
		      bool check)
{
	int ret;

	ret = klpx_plan_alloc(sw, klpx_count_pops(patch), 0);
	if (ret)
		return ret;
	klpx_plan_pop_patch(sw, patch);
	return klpx_plan_finish(sw, check);
}

/**
 * klpx_plan_restore() - the switch that undoes an atomic replace
 * @sw:		filled with the plan; free it with klpx_plan_free()
 * @patch:	the enabled replace patch
 * @replaced:	the patches it replaced (klpx_patch.list), oldest first,
 *		their loaded objects resolved and their functions given a
 *		stack again
 *
 * Pops every patched function of @patch and pushes every function of every
 * loaded object of @replaced, oldest patch first, so that each stack ends
 * as it was before the replace.  Always checked.
 *
 * Return: 0, or -ENOMEM.
 */
int klpx_plan_restore(struct klpx_switch *sw, struct klpx_patch *patch,
		      struct list_head *replaced)
{
	unsigned int nr_push = 0;
	struct klpx_patch *old;
	int ret;

	list_for_each_entry(old, replaced, list)
		nr_push += klpx_count_pushes(old);
	ret = klpx_plan_alloc(sw, klpx_count_pops(patch), nr_push);
	if (ret)
		return ret;
	klpx_plan_pop_patch(sw, patch);
	list_for_each_entry(old, replaced, list)
		klpx_plan_push_patch(sw, old);
	return klpx_plan_finish(sw, true);
}

/**
 * klpx_plan_object() - the switch that patches or unpatches one object
 * @sw:		filled with the plan; free it with klpx_plan_free()
 * @obj:	the object, resolved and given stacks when @patch
 * @patch:	true: push its functions; false: pop its patched functions
 *
 * Nothing of the module runs while it is loading, or once its exit has
 * run: no activeness check.
 *
 * Return: 0, or -ENOMEM.
 */
int klpx_plan_object(struct klpx_switch *sw, struct klpx_object *obj,
		     bool patch)
{
	struct klpx_func *func;
	int ret;

	ret = klpx_plan_alloc(sw, patch ? 0 : klpx_count_funcs(obj, true),
			      patch ? klpx_count_funcs(obj, false) : 0);
	if (ret)
		return ret;
	klpx_for_each_func(obj, func) {
		if (patch)
			sw->push[sw->nr_push++] = func;
		else if (func->patched)
			sw->pop[sw->nr_pop++] = func;
	}
	return klpx_plan_finish(sw, false);
}

/* @patch is @mod, or has an object named @name. */
static bool klpx_plan_patch_concerns(struct klpx_patch *patch,
				     const struct module *mod,
				     const char *name)
{
	struct klpx_object *obj;

	if (patch->mod == mod)
		return true;
	klpx_for_each_object(patch, obj)
		if (obj->name && !strcmp(obj->name, name))
			return true;
	return false;
}

/**
 * klpx_plan_replace_concerns() - does a module event touch a pending replace?
 * @patch:	the replace, with the patches it replaced on ->replaced
 * @mod:	the module that comes, becomes live or goes
 * @name:	its name
 *
 * Undoing the replace switches the replaced patches back on as they were
 * when it switched them off.  That holds while no module they, or the
 * replace, are or patch comes or goes; other modules change nothing of it.
 *
 * Return: true when @mod is the module of @patch or of a patch it
 * replaced, or an object of one of them names it.
 */
bool klpx_plan_replace_concerns(struct klpx_patch *patch,
				const struct module *mod, const char *name)
{
	struct klpx_patch *old;

	if (klpx_plan_patch_concerns(patch, mod, name))
		return true;
	list_for_each_entry(old, &patch->replaced, list)
		if (klpx_plan_patch_concerns(old, mod, name))
			return true;
	return false;
}

/**
 * klpx_plan_free() - release what a plan allocated
 * @sw:		a plan, or a zeroed one
 */
void klpx_plan_free(struct klpx_switch *sw)
{
	kfree(sw->pop);
	kfree(sw->push);
	kfree(sw->ranges);
	memset(sw, 0, sizeof(*sw));
}

/**
 * klpx_switch_apply() - carry a plan out on the stacks
 * @sw:		the plan
 *
 * Pops first, then pushes in order, so that a replace which pops and pushes
 * on one address ends with the new function alone on top of what stays.
 * The ftrace handler reads the stacks under RCU and sees each address
 * either before or after.
 *
 * Context: inside stop_machine(), on behalf of a klpx_mutex holder.
 */
void klpx_switch_apply(struct klpx_switch *sw)
{
	unsigned int i;

	for (i = 0; i < sw->nr_pop; i++) {
		list_del_rcu(&sw->pop[i]->stack_node);
		sw->pop[i]->patched = false;
	}
	for (i = 0; i < sw->nr_push; i++) {
		list_add_rcu(&sw->push[i]->stack_node,
			     &sw->push[i]->stack->funcs);
		sw->push[i]->patched = true;
	}
}

/* The range @addr falls in, or -1: functions do not overlap. */
static int klpx_range_find(const struct klpx_switch *sw, unsigned long addr)
{
	unsigned int lo = 0, hi = sw->nr_ranges;

	/* The last range starting at or before @addr is the only candidate. */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (sw->ranges[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr < sw->ranges[lo - 1].end)
		return lo - 1;
	return -1;
}

/**
 * klpx_switch_hit() - does a stack trace stand in code the switch changes?
 * @sw:		a plan made with @check (its ranges sorted by start)
 * @entries:	the addresses of a stack trace
 * @nr_entries: their number
 *
 * O(@nr_entries * log(ranges)): a cumulative patch of hundreds of
 * functions costs a few comparisons per frame.
 *
 * Return: the index in @sw->ranges of the range the first address that
 * falls in one falls in, or -1 when there is none.
 */
int klpx_switch_hit(const struct klpx_switch *sw, const unsigned long *entries,
		    unsigned int nr_entries)
{
	unsigned int i;
	int r;

	for (i = 0; i < nr_entries; i++) {
		r = klpx_range_find(sw, entries[i]);
		if (r >= 0)
			return r;
	}
	return -1;
}
