/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of the stress patches: an atomic replace of both functions of
 * klpx_target_stress, where both answer the parameter "version".  Two
 * modules include it so that one can replace the other, again and again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "klpx_target_stress.h"

static long version = 1;
module_param(version, long, 0444);
MODULE_PARM_DESC(version, "what both replacements answer (1..65535)");

static long stress_leaf(void)
{
	return version;
}

/* Wait inside the call, between the two halves of the answer. */
static long stress_call(long (*leaf)(void), bool sleep)
{
	long mine = version;

	klpx_target_stress_wait(sleep);
	return (mine << 16) | leaf();
}

static struct klpx_func stress_funcs[] = {
	{
		.old_name = "klpx_target_stress_call",
		.new_func = stress_call,
	}, {
		.old_name = "klpx_target_stress_leaf",
		.new_func = stress_leaf,
	}, { }
};

static struct klpx_object stress_objs[] = {
	{
		.name = "klpx_target_stress",
		.funcs = stress_funcs,
	}, { }
};

static struct klpx_patch stress_patch = {
	.mod = THIS_MODULE,
	.objs = stress_objs,
	.replace = true,
};

static int __init stress_patch_init(void)
{
	if (version < 1 || version > 0xffff)
		return -EINVAL;
	return klpx_enable_patch(&stress_patch);
}

static void __exit stress_patch_exit(void)
{
}

module_init(stress_patch_init);
module_exit(stress_patch_exit);
MODULE_LICENSE("GPL");
