// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_klp - the kernel's own livepatch takes
 * klpx_target_greeting(), so that klpx can be seen refusing it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/livepatch.h>
#include <linux/module.h>

static const char *klp_greeting(void)
{
	return "hello from the kernel's livepatch";
}

static struct klp_func klp_funcs[] = {
	{
		.old_name = "klpx_target_greeting",
		.new_func = klp_greeting,
	}, { }
};

static struct klp_object klp_objs[] = {
	{
		.name = "klpx_target",
		.funcs = klp_funcs,
	}, { }
};

static struct klp_patch klp_patch = {
	.mod = THIS_MODULE,
	.objs = klp_objs,
};

static int __init klp_test_init(void)
{
	return klp_enable_patch(&klp_patch);
}

static void __exit klp_test_exit(void)
{
}

module_init(klp_test_init);
module_exit(klp_test_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("klpx test: a kernel livepatch of klpx_target_greeting()");
