// SPDX-License-Identifier: GPL-2.0
/*
 * plan_check.c - what the author of a patch got wrong, decided without
 * touching the machine before anything is resolved: an object or a shadow
 * type struct named twice, an object name no loaded module can have, a
 * function with no replacement.  The enable refuses such a patch before
 * it changes anything.
 *
 * Everything here runs under klpx_mutex.
 */
#include <linux/module.h>
#include <linux/string.h>
#include "plan.h"

/**
 * klpx_plan_duplicate_object() - find an object named twice in a patch
 * @patch:	the patch
 *
 * Return: the second object of a pair with the same name, or NULL.
 */
struct klpx_object *klpx_plan_duplicate_object(struct klpx_patch *patch)
{
	struct klpx_object *obj, *other;

	klpx_for_each_object(patch, obj) {
		for (other = patch->objs; other != obj; other++) {
			if (!obj->name && !other->name)
				return obj;
			if (obj->name && other->name &&
			    !strcmp(obj->name, other->name))
				return obj;
		}
	}
	return NULL;
}

/**
 * klpx_plan_duplicate_type() - find a shadow type struct a patch lists twice
 * @patch:	the patch
 * @first:	set to the object that lists it first
 * @second:	set to the object that lists it again (may be @first)
 *
 * A struct holds one registration at a time, so each object needs a
 * struct of its own; two structs with the same id are fine.
 *
 * Return: the first struct found listed twice, or NULL.
 */
struct klpx_shadow_type *klpx_plan_duplicate_type(struct klpx_patch *patch,
						  struct klpx_object **first,
						  struct klpx_object **second)
{
	struct klpx_shadow_type **type, **t;
	struct klpx_object *obj, *o;

	klpx_for_each_object(patch, obj) {
		if (!obj->shadow_types)
			continue;
		for (type = obj->shadow_types; *type; type++) {
			for (o = patch->objs; o <= obj; o++) {
				if (!o->shadow_types)
					continue;
				for (t = o->shadow_types; *t && t != type; t++) {
					if (*t != *type)
						continue;
					*first = o;
					*second = obj;
					return *type;
				}
			}
		}
	}
	return NULL;
}

/*
 * A module object's name must be one a loaded module can have, and must
 * not take a name the patch's sysfs directory already uses.  The kernel
 * turns '-' into '_' when it loads a module, so a name with '-' would
 * never match: it is refused rather than rewritten, so that the name in
 * sysfs and in the logs stays the one the author wrote and the mistake
 * shows at once.
 */
static enum klpx_plan_fault klpx_plan_check_name(const char *name)
{
	if (!name)
		return KLPX_FAULT_NONE;
	if (!*name || strlen(name) >= MODULE_NAME_LEN)
		return KLPX_FAULT_NAME_LENGTH;
	if (strchr(name, '-'))
		return KLPX_FAULT_NAME_DASH;
	if (!strcmp(name, "vmlinux"))
		return KLPX_FAULT_NAME_VMLINUX;
	if (!strcmp(name, "enabled") || !strcmp(name, "replace") ||
	    !strcmp(name, "transition"))
		return KLPX_FAULT_NAME_FILE;
	return KLPX_FAULT_NONE;
}

/**
 * klpx_plan_check_patch() - what the author of a patch got wrong, if anything
 * @patch:	the patch, as its author filled it in
 * @check:	receives the first fault found and what it concerns
 *
 * In order: an object named twice, a shadow type struct listed twice
 * (caught late, the second registration would fail, or a module load),
 * then object by object its name and its functions' replacements.  An
 * address redirected twice is known only once the functions are
 * resolved: plan_resolve.c.
 *
 * Return: @check->fault, KLPX_FAULT_NONE for a patch the enable may take.
 */
enum klpx_plan_fault klpx_plan_check_patch(struct klpx_patch *patch,
					   struct klpx_plan_check *check)
{
	struct klpx_object *obj;
	struct klpx_func *func;

	memset(check, 0, sizeof(*check));
	check->obj = klpx_plan_duplicate_object(patch);
	if (check->obj) {
		check->fault = KLPX_FAULT_OBJECT_TWICE;
		return check->fault;
	}
	check->type = klpx_plan_duplicate_type(patch, &check->other,
					       &check->obj);
	if (check->type) {
		check->fault = KLPX_FAULT_TYPE_TWICE;
		return check->fault;
	}

	klpx_for_each_object(patch, obj) {
		check->obj = obj;
		check->fault = klpx_plan_check_name(obj->name);
		if (check->fault)
			return check->fault;
		klpx_for_each_func(obj, func) {
			if (func->new_func)
				continue;
			check->func = func;
			check->fault = KLPX_FAULT_NO_REPLACEMENT;
			return check->fault;
		}
	}
	check->obj = NULL;
	return KLPX_FAULT_NONE;
}
