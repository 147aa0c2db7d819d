/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of the cumulative patches v1..v5 (STATES_VERSION), all atomic
 * replaces of klpx_target, around one state with variables:
 *
 *  - states_guard (v1 at version 1, v2 at version 2, v3 at version 1,
 *    none in v4 and v5): a shadow type with setup, release and a dtor.
 *    Its variables hold a stamp per item (version * 1000 + id), attached
 *    the first time klpx_target_item_value() sees the item;
 *  - v5 adds two states without variables: states_extra, whose setup
 *    works, and states_broken, whose setup fails with -ENODEV.
 *
 * klpx_target_version() returns STATES_VERSION, so the transcript shows
 * which version runs.  setup and release log a line saying whether they
 * ran where a task may sleep (they do sleep, a little); read-only
 * parameters count the calls, and the release records how many dtor
 * calls came before it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/string.h>
#include "klpx_target.h"

static int setup_calls;
module_param(setup_calls, int, 0444);
MODULE_PARM_DESC(setup_calls, "setups of this version's states");
static int release_calls;
module_param(release_calls, int, 0444);
MODULE_PARM_DESC(release_calls, "releases of this version's states");
static int dtor_calls;
module_param(dtor_calls, int, 0444);
MODULE_PARM_DESC(dtor_calls, "states_guard variables destroyed with our dtor");
static int dtor_mask;
module_param(dtor_mask, int, 0444);
MODULE_PARM_DESC(dtor_mask, "bit N: the variable of item N was destroyed");
static int dtors_before_release = -1;
module_param(dtors_before_release, int, 0444);
MODULE_PARM_DESC(dtors_before_release, "dtor calls when our release ran");

#if defined(STATES_GUARD_VERSION) || defined(STATES_BROKEN)
/* Where a task may sleep: no IRQ, softirq, preemption or IRQs disabled. */
static const char *states_context(void)
{
	might_sleep();
	if (!in_task() || irqs_disabled() || !preemptible())
		return "atomic context";
	/* And it does sleep: in atomic context this is a kernel BUG. */
	usleep_range(1000, 2000);
	return "process context";
}

static int states_setup(struct klpx_shadow_type *type)
{
	setup_calls++;
	pr_info("setup of %s, version %u, in %s\n", type->name, type->version,
		states_context());
#ifdef STATES_BROKEN
	if (!strcmp(type->name, "states_broken"))
		return -ENODEV;
#endif
	return 0;
}

static void states_release(struct klpx_shadow_type *type)
{
	release_calls++;
	dtors_before_release = dtor_calls;
	pr_info("release of %s, after %d dtor call(s), in %s\n", type->name,
		dtor_calls, states_context());
}
#endif

#ifdef STATES_GUARD_VERSION
/* Serialised by the registry: one garbage collection at a time. */
static void states_guard_dtor(void *obj, void *data)
{
	struct klpx_target_item *item = obj;

	dtor_mask |= 1 << item->id;
	dtor_calls++;
}

static int states_guard_ctor(void *obj, void *data, void *ctor_data)
{
	struct klpx_target_item *item = obj;

	*(int *)data = STATES_VERSION * 1000 + item->id;
	return 0;
}

static struct klpx_shadow_type states_guard = {
	.id = 0x6b700030,
	.name = "states_guard",
	.size = sizeof(int),
	.ctor = states_guard_ctor,
	.dtor = states_guard_dtor,
	.setup = states_setup,
	.release = states_release,
	.version = STATES_GUARD_VERSION,
};
#endif

#ifdef STATES_BROKEN
static struct klpx_shadow_type states_extra = {
	.id = 0x6b700031,
	.name = "states_extra",
	.setup = states_setup,
	.release = states_release,
};

static struct klpx_shadow_type states_broken = {
	.id = 0x6b700032,
	.name = "states_broken",
	.setup = states_setup,
	.release = states_release,
};
#endif

static struct klpx_shadow_type *states_types[] = {
#ifdef STATES_GUARD_VERSION
	&states_guard,
#endif
#ifdef STATES_BROKEN
	&states_extra,
	&states_broken,
#endif
	NULL,
};

static int states_item_value(struct klpx_target_item *item)
{
#ifdef STATES_GUARD_VERSION
	int *stamp = klpx_shadow_get_or_alloc(item, &states_guard, GFP_KERNEL,
					      NULL);

	if (stamp)
		return *stamp;
#endif
	return item->value;
}

static int states_version(void)
{
	return STATES_VERSION;
}

static struct klpx_func states_funcs[] = {
	{
		.old_name = "klpx_target_item_value",
		.new_func = states_item_value,
	}, {
		.old_name = "klpx_target_version",
		.new_func = states_version,
	}, { }
};

static struct klpx_object states_objs[] = {
	{
		.name = "klpx_target",
		.funcs = states_funcs,
		.shadow_types = states_types,
	}, { }
};

static struct klpx_patch states_patch = {
	.mod = THIS_MODULE,
	.objs = states_objs,
	.replace = true,
};

static int __init states_init(void)
{
	return klpx_enable_patch(&states_patch);
}

static void __exit states_exit(void)
{
}

module_init(states_init);
module_exit(states_exit);
MODULE_LICENSE("GPL");
