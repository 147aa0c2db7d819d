// SPDX-License-Identifier: GPL-2.0
/*
 * plan_release.c - the shadow types that leave with patches or objects,
 * decided without touching the machine.
 *
 * When patches or objects leave, the shadow types they registered are
 * unregistered oldest first; an id is dropped (its variables are
 * garbage-collected) by the last of those unregistrations, unless an
 * enabled patch still holds a registration of the same id.
 *
 * Everything here runs under klpx_mutex.
 */
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "plan.h"

static bool klpx_id_held(struct list_head *enabled, unsigned long id,
			 const struct klpx_object *except)
{
	struct klpx_object *obj;
	struct klpx_patch *patch;
	unsigned int i;

	list_for_each_entry(patch, enabled, list)
		klpx_for_each_object(patch, obj) {
			if (obj == except)
				continue;
			for (i = 0; i < obj->nr_types; i++)
				if (obj->shadow_types[i]->id == id)
					return true;
		}
	return false;
}

static int klpx_release_alloc(struct klpx_release *rel, unsigned int n)
{
	memset(rel, 0, sizeof(*rel));
	rel->types = kcalloc(n ? n : 1, sizeof(*rel->types), GFP_KERNEL);
	rel->drops = kcalloc(n ? n : 1, sizeof(*rel->drops), GFP_KERNEL);
	if (!rel->types || !rel->drops) {
		klpx_release_free(rel);
		return -ENOMEM;
	}
	return 0;
}

static void klpx_release_add(struct klpx_release *rel, struct klpx_object *obj)
{
	unsigned int i;

	for (i = 0; i < obj->nr_types; i++)
		rel->types[rel->nr++] = obj->shadow_types[i];
}

static void klpx_release_decide(struct klpx_release *rel,
				struct list_head *enabled,
				const struct klpx_object *except)
{
	unsigned int i, j;

	for (i = 0; i < rel->nr; i++) {
		rel->drops[i] = !klpx_id_held(enabled, rel->types[i]->id,
					      except);
		for (j = i + 1; j < rel->nr && rel->drops[i]; j++)
			if (rel->types[j]->id == rel->types[i]->id)
				rel->drops[i] = false;
	}
}

/**
 * klpx_plan_release_patches() - the types that leave with some patches
 * @rel:	filled; free it with klpx_release_free()
 * @leaving:	the patches leaving (klpx_patch.list), oldest first, no
 *		longer on @enabled
 * @enabled:	the patches that stay enabled
 *
 * Return: 0, or -ENOMEM.
 */
int klpx_plan_release_patches(struct klpx_release *rel,
			      struct list_head *leaving,
			      struct list_head *enabled)
{
	struct klpx_object *obj;
	struct klpx_patch *patch;
	unsigned int n = 0;
	int ret;

	list_for_each_entry(patch, leaving, list)
		klpx_for_each_object(patch, obj)
			n += obj->nr_types;
	ret = klpx_release_alloc(rel, n);
	if (ret)
		return ret;
	list_for_each_entry(patch, leaving, list)
		klpx_for_each_object(patch, obj)
			klpx_release_add(rel, obj);
	klpx_release_decide(rel, enabled, NULL);
	return 0;
}

/**
 * klpx_plan_release_object() - the types that leave with one object
 * @rel:	filled; free it with klpx_release_free()
 * @obj:	the object leaving (its patch may stay enabled)
 * @enabled:	the enabled patches
 *
 * Return: 0, or -ENOMEM.
 */
int klpx_plan_release_object(struct klpx_release *rel,
			     struct klpx_object *obj,
			     struct list_head *enabled)
{
	int ret;

	ret = klpx_release_alloc(rel, obj->nr_types);
	if (ret)
		return ret;
	klpx_release_add(rel, obj);
	klpx_release_decide(rel, enabled, obj);
	return 0;
}

/**
 * klpx_release_free() - release what a release plan allocated
 * @rel:	a release plan, or a zeroed one
 */
void klpx_release_free(struct klpx_release *rel)
{
	kfree(rel->types);
	kfree(rel->drops);
	memset(rel, 0, sizeof(*rel));
}
