// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_switch_idle - a patch of cpu_startup_entry(), the function
 * every idle task stands in for ever: its enable can never switch.  The
 * replacement would only run if a CPU came online while the patch is
 * enabled, which the tests never do; it then spins.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>
#include <asm/processor.h>

static void idle_replacement(int state)
{
	pr_err("cpu_startup_entry replaced: a CPU came online\n");
	for (;;)
		cpu_relax();
}

static struct klpx_func idle_funcs[] = {
	{
		.old_name = "cpu_startup_entry",
		.new_func = idle_replacement,
	}, { }
};

static struct klpx_object idle_objs[] = {
	{
		.funcs = idle_funcs,
	}, { }
};

static struct klpx_patch idle_patch = {
	.mod = THIS_MODULE,
	.objs = idle_objs,
};

static int __init idle_init(void)
{
	return klpx_enable_patch(&idle_patch);
}

static void __exit idle_exit(void)
{
}

module_init(idle_init);
module_exit(idle_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: patch the function the idle tasks stand in");
