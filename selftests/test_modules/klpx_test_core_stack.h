/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of the stacking patches: each replaces klpx_target_version()
 * with one returning STACK_VERSION, registers the shadow type stack_state
 * (unless STACK_NO_TYPE), and with STACK_GREETING also replaces
 * klpx_target_greeting().  STACK_REPLACE makes it an atomic replace.
 * The parameter say_exit makes the exit log a line.
 *
 * The including file defines those and nothing else.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>

static int stack_version(void)
{
	return STACK_VERSION;
}

#ifdef STACK_GREETING
static const char *stack_greeting(void)
{
	return "hello from " KBUILD_MODNAME;
}
#endif

#ifndef STACK_NO_TYPE
static struct klpx_shadow_type stack_state = {
	.id = 0x6b700010,
	.name = "stack_state",
	.size = sizeof(long),
};

static struct klpx_shadow_type *stack_types[] = {
	&stack_state,
	NULL,
};
#endif

static struct klpx_func stack_funcs[] = {
	{
		.old_name = "klpx_target_version",
		.new_func = stack_version,
	},
#ifdef STACK_GREETING
	{
		.old_name = "klpx_target_greeting",
		.new_func = stack_greeting,
	},
#endif
	{ }
};

static struct klpx_object stack_objs[] = {
	{
		.name = "klpx_target",
		.funcs = stack_funcs,
#ifndef STACK_NO_TYPE
		.shadow_types = stack_types,
#endif
	}, { }
};

static struct klpx_patch stack_patch = {
	.mod = THIS_MODULE,
	.objs = stack_objs,
#ifdef STACK_REPLACE
	.replace = true,
#endif
};

static int __init stack_init(void)
{
	return klpx_enable_patch(&stack_patch);
}

static bool say_exit;
module_param(say_exit, bool, 0444);
MODULE_PARM_DESC(say_exit, "log a line when the exit runs");

static void __exit stack_exit(void)
{
	if (say_exit)
		pr_info("exit\n");
}

module_init(stack_init);
module_exit(stack_exit);
MODULE_LICENSE("GPL");
