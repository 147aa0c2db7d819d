// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_switch_eos_patch - replaces klpx_eos_wait(), in which the
 * kthread of klpx_test_switch_eos sleeps with a trace that ends early.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>

static int eos_patch_wait(void)
{
	return 0;
}

static struct klpx_func eos_patch_funcs[] = {
	{
		.old_name = "klpx_eos_wait",
		.new_func = eos_patch_wait,
	}, { }
};

static struct klpx_object eos_patch_objs[] = {
	{
		.name = "klpx_test_switch_eos",
		.funcs = eos_patch_funcs,
	}, { }
};

static struct klpx_patch eos_patch = {
	.mod = THIS_MODULE,
	.objs = eos_patch_objs,
};

static int __init eos_patch_init(void)
{
	return klpx_enable_patch(&eos_patch);
}

static void __exit eos_patch_exit(void)
{
}

module_init(eos_patch_init);
module_exit(eos_patch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: replace a function a task with a short trace sleeps in");
