// SPDX-License-Identifier: GPL-2.0
/*
 * plan_resolve.c - what the resolution of a patch's functions shows wrong,
 * decided without touching the machine: two functions, under two names
 * (an alias) or under one name twice, that resolve to one address.  The
 * resolve step (object.c) asks once every loaded object is resolved, and
 * the enable refuses the patch before its types and callbacks.
 *
 * Everything here runs under klpx_mutex.
 */
#include "plan.h"

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
