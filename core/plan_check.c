// SPDX-License-Identifier: GPL-2.0
/*
 * plan_check.c - what a patch names twice, decided without touching the
 * machine: an object, a shadow type struct, an address.  The enable
 * refuses such a patch before it changes anything.
 *
 * Everything here runs under klpx_mutex.
 */
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

/**
 * klpx_plan_duplicate_func() - find an address a patch redirects twice
 * @patch:	the patch, with the functions of its loaded objects resolved
 *
 * Return: the second function of a pair resolved to the same address, or
 * NULL.
 */
struct klpx_func *klpx_plan_duplicate_func(struct klpx_patch *patch)
{
	struct klpx_object *obj, *o;
	struct klpx_func *func, *f;

	klpx_for_each_object(patch, obj) {
		if (!klpx_object_loaded(obj))
			continue;
		klpx_for_each_func(obj, func) {
			for (o = patch->objs; o <= obj; o++) {
				if (!klpx_object_loaded(o))
					continue;
				for (f = o->funcs; f->old_name && f != func; f++)
					if (f->old_addr == func->old_addr)
						return func;
			}
		}
	}
	return NULL;
}
