// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_noexit - a patch module with no exit function: permanent
 * while its patch is enabled, removable once it is disabled.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>

static int noexit_version(void)
{
	return 5;
}

static struct klpx_func noexit_funcs[] = {
	{
		.old_name = "klpx_target_version",
		.new_func = noexit_version,
	}, { }
};

static struct klpx_object noexit_objs[] = {
	{
		.name = "klpx_target",
		.funcs = noexit_funcs,
	}, { }
};

static struct klpx_patch noexit_patch = {
	.mod = THIS_MODULE,
	.objs = noexit_objs,
};

static int __init noexit_init(void)
{
	return klpx_enable_patch(&noexit_patch);
}

module_init(noexit_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: a patch module without an exit function");
