// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_orphan - a patch module that goes away, or tries a second
 * patch, while its patch is enabled.
 *
 * The patch: klpx_target_version() returns 77; the object klpx_target
 * owns the shadow type orphan_state (id 0x6b700040, no data: size 0, so
 * that klpx_test_shadow can register the same id), and the init attaches
 * one variable of it to NULL once the patch is enabled.
 *
 * Parameters:
 *  - init_ret: what the init returns after enabling the patch (default 0).
 *    An error makes the kernel free the module at once, patch enabled;
 *  - second: after enabling the patch, try to enable a second patch of
 *    this module and log what klpx_enable_patch() answered;
 *  - replace: make the patch an atomic replace that also carries the
 *    stacking patches' stack_state (id 0x6b700010), and attach one
 *    variable of that id to NULL once the patch is enabled;
 *  - hold: after enabling the patch, wait until 0 is written to
 *    /sys/module/klpx_test_core_orphan/parameters/hold (at most a
 *    minute), so that a test can act while the init has not returned.
 *
 * The dtor of orphan_state and the exit log a line each, so that a test
 * sees them run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/klpx.h>
#include <linux/module.h>

static int init_ret;
module_param(init_ret, int, 0444);
MODULE_PARM_DESC(init_ret, "what the init returns after enabling the patch");
static bool second;
module_param(second, bool, 0444);
MODULE_PARM_DESC(second, "also try to enable a second patch of this module");
static bool replace;
module_param(replace, bool, 0444);
MODULE_PARM_DESC(replace, "an atomic replace carrying stack_state");
static bool hold;
module_param(hold, bool, 0644);
MODULE_PARM_DESC(hold, "after enabling, wait until this is set to 0");

static int orphan_version(void)
{
	return 77;
}

static void orphan_state_dtor(void *obj, void *shadow_data)
{
	pr_info("orphan_state dtor\n");
}

static struct klpx_shadow_type orphan_state = {
	.id = 0x6b700040,
	.name = "orphan_state",
	.dtor = orphan_state_dtor,
};

static struct klpx_shadow_type *orphan_types[] = {
	&orphan_state,
	NULL,
};

/* The stacking patches' type, carried over by the replace. */
static struct klpx_shadow_type carried_state = {
	.id = 0x6b700010,
	.name = "stack_state",
	.size = sizeof(long),
};

static struct klpx_shadow_type *orphan_replace_types[] = {
	&orphan_state,
	&carried_state,
	NULL,
};

static struct klpx_func orphan_funcs[] = {
	{
		.old_name = "klpx_target_version",
		.new_func = orphan_version,
	}, { }
};

static struct klpx_object orphan_objs[] = {
	{
		.name = "klpx_target",
		.funcs = orphan_funcs,
		.shadow_types = orphan_types,
	}, { }
};

static struct klpx_patch orphan_patch = {
	.mod = THIS_MODULE,
	.objs = orphan_objs,
};

/* The second patch: the same change, in structs of its own. */
static struct klpx_func orphan_second_funcs[] = {
	{
		.old_name = "klpx_target_version",
		.new_func = orphan_version,
	}, { }
};

static struct klpx_object orphan_second_objs[] = {
	{
		.name = "klpx_target",
		.funcs = orphan_second_funcs,
	}, { }
};

static struct klpx_patch orphan_second_patch = {
	.mod = THIS_MODULE,
	.objs = orphan_second_objs,
};

static int __init orphan_init(void)
{
	int ret;

	if (replace) {
		orphan_patch.replace = true;
		orphan_objs[0].shadow_types = orphan_replace_types;
	}
	ret = klpx_enable_patch(&orphan_patch);
	if (ret)
		return ret;
	if (!klpx_shadow_alloc(NULL, &orphan_state, GFP_KERNEL, NULL))
		pr_err("cannot attach orphan_state\n");
	if (replace && !klpx_shadow_alloc(NULL, &carried_state, GFP_KERNEL,
					  NULL))
		pr_err("cannot attach stack_state\n");
	if (second)
		pr_info("second patch: %d\n",
			klpx_enable_patch(&orphan_second_patch));
	if (hold) {
		unsigned long until = jiffies + 60 * HZ;

		pr_info("init: holding\n");
		while (READ_ONCE(hold) && time_before(jiffies, until))
			msleep(20);
		pr_info("init: %s\n", READ_ONCE(hold) ? "gave up holding" :
							"let go");
	}
	if (init_ret)
		pr_info("init: failing with %d\n", init_ret);
	return init_ret;
}

static void __exit orphan_exit(void)
{
	pr_info("exit\n");
}

module_init(orphan_init);
module_exit(orphan_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: a patch module that goes away while enabled");
