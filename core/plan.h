/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure decisions of the core: which functions a switch pushes onto and
 * pops off the per-address redirection stacks, which code ranges the
 * activeness check must look for (plan.c), what a patch's author got wrong
 * in the structs it passes (plan_check.c) and what the resolution of its
 * functions shows wrong (plan_resolve.c), and which shadow types leave,
 * and which of them drop their id, when patches or objects go
 * (plan_release.c).
 *
 * Nothing here touches ftrace, kallsyms, stop_machine or the shadow store:
 * the four files are also compiled in userspace against a small shim
 * (selftests/core/) and tested there.
 */
#ifndef _KLPX_CORE_PLAN_H
#define _KLPX_CORE_PLAN_H

#include <linux/klpx.h>
#include <linux/list.h>
#include <linux/types.h>

/**
 * struct klpx_func_stack - the implementations of one patched address
 * @ip:		the ftrace location of the original function
 * @funcs:	klpx_func.stack_node, newest first; the first one runs, an
 *		empty stack runs the original.  Changed only inside the switch
 *		(under klpx_mutex), read under RCU by the ftrace handler.
 */
struct klpx_func_stack {
	unsigned long ip;
	struct list_head funcs;
};

/**
 * struct klpx_range - code a task must not be inside when a switch happens
 * @start:	first byte
 * @end:	one past the last byte
 * @name:	the original function's name, or NULL for a replacement (the
 *		logs then print the symbol at @start)
 */
struct klpx_range {
	unsigned long start;
	unsigned long end;
	const char *name;
};

/**
 * struct klpx_switch - one consistent step
 * @pop:	functions leaving their stacks
 * @nr_pop:	number of @pop
 * @push:	functions joining their stacks, in order (the last one pushed
 *		onto a stack ends on top)
 * @nr_push:	number of @push
 * @ranges:	code ranges of every implementation of every address the
 *		switch touches, when @check
 * @nr_ranges:	number of @ranges
 * @check:	run the activeness check before switching
 */
struct klpx_switch {
	struct klpx_func **pop;
	unsigned int nr_pop;
	struct klpx_func **push;
	unsigned int nr_push;
	struct klpx_range *ranges;
	unsigned int nr_ranges;
	bool check;
};

/**
 * struct klpx_release - shadow types to unregister, in order
 * @types:	the types; a later one with the same id outlives an earlier one
 * @drops:	@drops[i]: unregistering @types[i] drops the last registration
 *		of its id held by an enabled patch: the id's variables are
 *		garbage-collected with @types[i]->dtor
 * @nr:		number of @types
 */
struct klpx_release {
	struct klpx_shadow_type **types;
	bool *drops;
	unsigned int nr;
};

#define klpx_for_each_object(patch, obj) \
	for (obj = (patch)->objs; obj->funcs; obj++)

#define klpx_for_each_func(obj, func) \
	for (func = (obj)->funcs; func->old_name; func++)

/* An object whose code is present: vmlinux, or a module that is loaded. */
static inline bool klpx_object_loaded(const struct klpx_object *obj)
{
	return !obj->name || obj->mod;
}

static inline const char *klpx_object_name(const struct klpx_object *obj)
{
	return obj->name ? obj->name : "vmlinux";
}

struct klpx_func *klpx_stack_top(struct klpx_func_stack *stack);

/**
 * enum klpx_plan_fault - what the author of a patch got wrong
 * @KLPX_FAULT_NONE:		nothing
 * @KLPX_FAULT_OBJECT_TWICE:	@obj has the name of an object before it
 * @KLPX_FAULT_TYPE_TWICE:	@type is listed by @other, then by @obj
 * @KLPX_FAULT_NAME_LENGTH:	@obj's name is empty, or longer than a
 *				module's name can be
 * @KLPX_FAULT_NAME_DASH:	@obj's name has a '-'
 * @KLPX_FAULT_NAME_VMLINUX:	@obj is named "vmlinux"
 * @KLPX_FAULT_NAME_FILE:	@obj's name is a file of the patch's directory
 * @KLPX_FAULT_NO_REPLACEMENT:	@func of @obj has no new_func
 */
enum klpx_plan_fault {
	KLPX_FAULT_NONE,
	KLPX_FAULT_OBJECT_TWICE,
	KLPX_FAULT_TYPE_TWICE,
	KLPX_FAULT_NAME_LENGTH,
	KLPX_FAULT_NAME_DASH,
	KLPX_FAULT_NAME_VMLINUX,
	KLPX_FAULT_NAME_FILE,
	KLPX_FAULT_NO_REPLACEMENT,
};

/**
 * struct klpx_plan_check - the first fault found in a patch
 * @fault:	what it is
 * @obj:	the object it concerns
 * @other:	for KLPX_FAULT_TYPE_TWICE, the object that lists @type first
 * @type:	for KLPX_FAULT_TYPE_TWICE, the struct listed twice
 * @func:	for KLPX_FAULT_NO_REPLACEMENT, the function
 */
struct klpx_plan_check {
	enum klpx_plan_fault fault;
	struct klpx_object *obj;
	struct klpx_object *other;
	struct klpx_shadow_type *type;
	struct klpx_func *func;
};

enum klpx_plan_fault klpx_plan_check_patch(struct klpx_patch *patch,
					   struct klpx_plan_check *check);
struct klpx_object *klpx_plan_duplicate_object(struct klpx_patch *patch);
struct klpx_shadow_type *klpx_plan_duplicate_type(struct klpx_patch *patch,
						  struct klpx_object **first,
						  struct klpx_object **second);

/* plan_resolve.c */
struct klpx_func *klpx_plan_duplicate_func(struct klpx_patch *patch);

int klpx_plan_enable(struct klpx_switch *sw, struct klpx_patch *patch,
		     struct list_head *enabled, bool check);
int klpx_plan_disable(struct klpx_switch *sw, struct klpx_patch *patch,
		      bool check);
int klpx_plan_restore(struct klpx_switch *sw, struct klpx_patch *patch,
		      struct list_head *replaced);
int klpx_plan_object(struct klpx_switch *sw, struct klpx_object *obj,
		     bool patch);

/* The switch that patches a loading module's object (nothing runs in it). */
static inline int klpx_plan_patch_object(struct klpx_switch *sw,
					 struct klpx_object *obj)
{
	return klpx_plan_object(sw, obj, true);
}

/* The switch that unpatches an object whose module's exit has run. */
static inline int klpx_plan_unpatch_object(struct klpx_switch *sw,
					   struct klpx_object *obj)
{
	return klpx_plan_object(sw, obj, false);
}

bool klpx_plan_replace_concerns(struct klpx_patch *patch,
				const struct module *mod, const char *name);

void klpx_plan_free(struct klpx_switch *sw);

void klpx_switch_apply(struct klpx_switch *sw);
int klpx_switch_hit(const struct klpx_switch *sw, const unsigned long *entries,
		    unsigned int nr_entries);

int klpx_plan_release_patches(struct klpx_release *rel,
			      struct list_head *leaving,
			      struct list_head *enabled);
int klpx_plan_release_object(struct klpx_release *rel,
			     struct klpx_object *obj,
			     struct list_head *enabled);
void klpx_release_free(struct klpx_release *rel);

#endif /* _KLPX_CORE_PLAN_H */
