// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_switch_patch - replaces the functions tasks sleep in
 * (klpx_test_switch_target): the readers' replacements answer "replaced"
 * at once, the kthread's sleeps on as the original does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(switch_patch_wq);

static const char *switch_patch_answer(int *ret)
{
	*ret = 0;
	return "replaced";
}

static int switch_patch_kt(void)
{
	return wait_event_interruptible(switch_patch_wq,
					kthread_should_stop());
}

static struct klpx_func switch_patch_funcs[] = {
	{
		.old_name = "klpx_switch_wait_eintr",
		.new_func = switch_patch_answer,
	}, {
		.old_name = "klpx_switch_wait_timed",
		.new_func = switch_patch_answer,
	}, {
		.old_name = "klpx_switch_wait_freezable",
		.new_func = switch_patch_answer,
	}, {
		.old_name = "klpx_switch_wait_kt",
		.new_func = switch_patch_kt,
	}, { }
};

static struct klpx_object switch_patch_objs[] = {
	{
		.name = "klpx_test_switch_target",
		.funcs = switch_patch_funcs,
	}, { }
};

static struct klpx_patch switch_patch = {
	.mod = THIS_MODULE,
	.objs = switch_patch_objs,
};

static int __init switch_patch_init(void)
{
	return klpx_enable_patch(&switch_patch);
}

static void __exit switch_patch_exit(void)
{
}

module_init(switch_patch_init);
module_exit(switch_patch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: replace the functions tasks sleep in");
