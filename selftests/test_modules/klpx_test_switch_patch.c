// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_switch_patch - replaces the functions tasks sleep in
 * (klpx_test_switch_target): the readers' replacements answer "replaced"
 * at once, the kthread's sleeps on as the original does, until the module
 * goes or 1 is written to the parameter "kt_leave".  The parameter
 * "kt_in" counts the tasks inside the kthread's replacement.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(switch_patch_wq);
static atomic_t switch_patch_kt_in = ATOMIC_INIT(0);
static bool kt_leave;

static int kt_leave_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	wake_up_all(&switch_patch_wq);
	return ret;
}

static const struct kernel_param_ops kt_leave_ops = {
	.set = kt_leave_set,
	.get = param_get_bool,
};
module_param_cb(kt_leave, &kt_leave_ops, &kt_leave, 0644);
MODULE_PARM_DESC(kt_leave, "1: the kthread leaves the replacement");

static int kt_in_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&switch_patch_kt_in));
}

static const struct kernel_param_ops kt_in_ops = {
	.get = kt_in_get,
};
module_param_cb(kt_in, &kt_in_ops, NULL, 0444);
MODULE_PARM_DESC(kt_in, "tasks inside the kthread's replacement");

static const char *switch_patch_answer(int *ret)
{
	*ret = 0;
	return "replaced";
}

static int switch_patch_kt(void)
{
	int ret;

	atomic_inc(&switch_patch_kt_in);
	ret = wait_event_interruptible(switch_patch_wq,
				       kthread_should_stop() ||
				       READ_ONCE(kt_leave));
	atomic_dec(&switch_patch_kt_in);
	return ret;
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
