// SPDX-License-Identifier: GPL-2.0
/*
 * types.c - the shadow types a patch owns: registered per object before
 * the switch that makes the patch's code run, unregistered after the
 * switch that stops it.  The registry garbage-collects an id when its last
 * registration goes; the log says which ids that collects.
 *
 * A type's setup runs inside its registration, so before pre_patch and
 * the switch: its failure unwinds the enable (or refuses the module
 * load) as a pre_patch failure does.  A type's release runs inside the
 * unregistration that drops its id: after the switch, while the module
 * of the patch that held the type is still pinned.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kernel.h>
#include "core.h"
#include "../shadow/shadow.h"

/**
 * klpx_object_unregister_types() - drop the registrations an object holds
 * @obj:	an object
 *
 * The ids this drops are garbage-collected together (one wait for
 * readers), then their releases run.
 *
 * Context: klpx_mutex held; sleeps (garbage collection).
 */
void klpx_object_unregister_types(struct klpx_object *obj)
{
	klpx_shadow_unregister_many(obj->shadow_types, obj->nr_types);
	obj->nr_types = 0;
}

/**
 * klpx_object_register_types() - register an object's shadow types
 * @obj:	a loaded object about to be patched
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0, or the errno of the registration that failed (logged), with
 * none of them left registered.
 */
int klpx_object_register_types(struct klpx_object *obj)
{
	struct klpx_shadow_type *type;
	int ret;

	if (!obj->shadow_types)
		return 0;
	for (; (type = obj->shadow_types[obj->nr_types]); obj->nr_types++) {
		ret = klpx_shadow_register(type);
		if (ret) {
			pr_err("'%s': cannot register shadow type %s (id 0x%lx) of %s: %pe\n",
			       klpx_patch_name(obj->patch),
			       type->name ? type->name : "(null)", type->id,
			       klpx_object_name(obj), ERR_PTR(ret));
			klpx_object_unregister_types(obj);
			return ret;
		}
	}
	return 0;
}

struct klpx_id_refs {
	unsigned long id;
	unsigned int refs;
};

static void klpx_id_refs_find(const struct klpx_shadow_stat *st, void *arg)
{
	struct klpx_id_refs *r = arg;

	if (st->id == r->id)
		r->refs = st->refs;
}

/*
 * The number of registrations of @id, patches or not.  Only what was true
 * a moment ago: registrations outside klpx_mutex may come and go.
 */
static unsigned int klpx_id_refs(unsigned long id)
{
	struct klpx_id_refs r = { .id = id };

	klpx_shadow_walk_classes(klpx_id_refs_find, &r);
	return r.refs;
}

/*
 * Say what releasing the last registration of @type's id that an enabled
 * patch holds does: collect its variables, unless a registration outside
 * the patches (a module calling klpx_shadow_register() itself) keeps it.
 */
static void klpx_release_log(struct klpx_release *rel, unsigned int i)
{
	struct klpx_shadow_type *type = rel->types[i];
	unsigned int refs = klpx_id_refs(type->id);
	unsigned int j;

	/* Registrations of the id this release drops along with @type. */
	for (j = 0; j < rel->nr; j++)
		if (j != i && rel->types[j]->id == type->id && refs)
			refs--;

	if (refs > 1)
		pr_info("shadow type %s (id 0x%lx) released by the patches; kept with %zu variable(s) by %u other registration(s)\n",
			type->name, type->id, klpx_shadow_count(type),
			refs - 1);
	else if (type->release)
		pr_info("shadow type %s (id 0x%lx) dropped: garbage-collecting %zu variable(s), then its release\n",
			type->name, type->id, klpx_shadow_count(type));
	else
		pr_info("shadow type %s (id 0x%lx) dropped: garbage-collecting %zu variable(s)\n",
			type->name, type->id, klpx_shadow_count(type));
}

/* Unregister what a release plan lists, saying which ids it collects. */
static void klpx_release_run(struct klpx_release *rel)
{
	unsigned int i;

	for (i = 0; i < rel->nr; i++)
		if (rel->drops[i])
			klpx_release_log(rel, i);
	/* The ids dropped are collected together: one wait for readers. */
	klpx_shadow_unregister_many(rel->types, rel->nr);
	klpx_release_free(rel);
}

static void klpx_release_nomem(void)
{
	pr_warn("no memory to list the shadow types being released; unregistering them without naming the ids collected\n");
}

/**
 * klpx_release_object() - unregister the shadow types of one object
 * @rel:	the plan from klpx_plan_release_object()
 * @plan_error:	what planning returned: without memory for a plan, the
 *		same types are unregistered, just without naming the ids
 * @obj:	the object
 *
 * Context: klpx_mutex held; sleeps (garbage collection).
 */
void klpx_release_object(struct klpx_release *rel, int plan_error,
			 struct klpx_object *obj)
{
	if (plan_error) {
		klpx_release_nomem();
		klpx_object_unregister_types(obj);
		return;
	}
	klpx_release_run(rel);
	obj->nr_types = 0;
}

/**
 * klpx_release_patches() - unregister the shadow types of leaving patches
 * @rel:	the plan from klpx_plan_release_patches()
 * @plan_error:	as for klpx_release_object()
 * @leaving:	the patches, by klpx_patch.list
 *
 * Context: klpx_mutex held; sleeps (garbage collection).
 */
void klpx_release_patches(struct klpx_release *rel, int plan_error,
			  struct list_head *leaving)
{
	struct klpx_patch *patch;
	struct klpx_object *obj;

	if (plan_error) {
		klpx_release_nomem();
		list_for_each_entry(patch, leaving, list)
			klpx_for_each_object(patch, obj)
				klpx_object_unregister_types(obj);
		return;
	}
	klpx_release_run(rel);
	list_for_each_entry(patch, leaving, list)
		klpx_for_each_object(patch, obj)
			obj->nr_types = 0;
}
