// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_stress_klp - the stress patch, as a patch of the kernel's
 * own livepatch: both functions of klpx_target_stress answer "version".
 * core-rewrite.sh takes it on and off under calling threads, next to
 * klpx's own stress patch, to tell an emulator hang from a klpx one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "klpx_target_stress.h"

static long version = 1;
module_param(version, long, 0444);
MODULE_PARM_DESC(version, "what both replacements answer (1..65535)");

static long stress_klp_leaf(void)
{
	return version;
}

static long stress_klp_call(long (*leaf)(void), bool sleep)
{
	long mine = version;

	klpx_target_stress_wait(sleep);
	return (mine << 16) | leaf();
}

static struct klp_func stress_klp_funcs[] = {
	{
		.old_name = "klpx_target_stress_call",
		.new_func = stress_klp_call,
	}, {
		.old_name = "klpx_target_stress_leaf",
		.new_func = stress_klp_leaf,
	}, { }
};

static struct klp_object stress_klp_objs[] = {
	{
		.name = "klpx_target_stress",
		.funcs = stress_klp_funcs,
	}, { }
};

static struct klp_patch stress_klp_patch = {
	.mod = THIS_MODULE,
	.objs = stress_klp_objs,
};

static int __init stress_klp_init(void)
{
	if (version < 1 || version > 0xffff)
		return -EINVAL;
	return klp_enable_patch(&stress_klp_patch);
}

static void __exit stress_klp_exit(void)
{
}

module_init(stress_klp_init);
module_exit(stress_klp_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("klpx test: the stress patch through the kernel's livepatch");
