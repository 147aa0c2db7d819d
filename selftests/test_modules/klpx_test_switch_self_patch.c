// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_switch_self_patch - replaces the caller and the callee of
 * klpx_test_switch_self_target, and enables itself from inside the
 * original caller: its init calls klpx_test_self_run() with the enable.
 * Once the enable returned, the original caller goes on to the callee,
 * which must still be the original (the switch waits for the insmod's
 * return to user mode): the target keeps 11, never 12.
 *
 * With second=1, the enable then asks for a second patch of this module,
 * while the first one's step is pending: refused, the module has its one
 * patch.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>

int klpx_test_self_callee(void);
int klpx_test_self_run(int (*enable)(void));

static int self_patch_callee(void)
{
	return 2;
}

static int self_patch_caller(int (*enable)(void))
{
	int ret = enable ? enable() : 0;

	if (ret)
		return ret;
	return 20 + klpx_test_self_callee();
}

static struct klpx_func self_patch_funcs[] = {
	{
		.old_name = "klpx_test_self_caller",
		.new_func = self_patch_caller,
	}, {
		.old_name = "klpx_test_self_callee",
		.new_func = self_patch_callee,
	}, { }
};

static struct klpx_object self_patch_objs[] = {
	{
		.name = "klpx_test_switch_self_target",
		.funcs = self_patch_funcs,
	}, { }
};

static struct klpx_patch self_patch = {
	.mod = THIS_MODULE,
	.objs = self_patch_objs,
};

static bool second;
module_param(second, bool, 0444);
MODULE_PARM_DESC(second, "enable a second patch while the first is pending");

static struct klpx_func second_patch_funcs[] = {
	{
		.old_name = "klpx_test_self_callee",
		.new_func = self_patch_callee,
	}, { }
};

static struct klpx_object second_patch_objs[] = {
	{
		.name = "klpx_test_switch_self_target",
		.funcs = second_patch_funcs,
	}, { }
};

static struct klpx_patch second_patch = {
	.mod = THIS_MODULE,
	.objs = second_patch_objs,
};

static int self_patch_enable(void)
{
	int ret = klpx_enable_patch(&self_patch);

	if (!ret && second)
		pr_info("second patch: %d\n", klpx_enable_patch(&second_patch));
	return ret;
}

static int __init self_patch_init(void)
{
	return klpx_test_self_run(self_patch_enable);
}

static void __exit self_patch_exit(void)
{
}

module_init(self_patch_init);
module_exit(self_patch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: a patch enabled from inside a function it replaces");
