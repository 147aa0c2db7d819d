// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_switch_self_target - a caller and its callee, for a patch
 * enabled from inside the caller (klpx_test_switch_self_patch).
 *
 * klpx_test_self_run(enable) calls the caller, which calls enable() and
 * then the callee.  Each answers with its version (1 here, 2 in the
 * patch); the caller returns 10 * its own + the callee's, kept in the
 * parameter "reached": 11 and 22 are consistent, 12 is an old caller that
 * reached a new callee.  Writing anything to "run" calls the caller again
 * (without enable()).  While "hold" is 1, a call with enable() waits,
 * once the caller has returned, until 0 is written to it: the insmod that
 * enabled the patch stays in the kernel, its step pending, for as long as
 * the test looks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/wait.h>

static int self_reached;
module_param_named(reached, self_reached, int, 0444);
MODULE_PARM_DESC(reached, "10 * caller version + callee version, last call");

static bool self_hold;
static DECLARE_WAIT_QUEUE_HEAD(self_hold_wq);

static int hold_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret)
		wake_up_all(&self_hold_wq);
	return ret;
}

static const struct kernel_param_ops hold_ops = {
	.set = hold_set,
	.get = param_get_bool,
};
module_param_cb(hold, &hold_ops, &self_hold, 0644);
MODULE_PARM_DESC(hold, "1: a call with enable() waits for 0 before it returns");

/* Exported, so that no call site gets a clone of its own. */
noinline int klpx_test_self_callee(void)
{
	return 1;
}
EXPORT_SYMBOL_GPL(klpx_test_self_callee);

noinline int klpx_test_self_caller(int (*enable)(void))
{
	int ret = enable ? enable() : 0;

	if (ret)
		return ret;
	return 10 + klpx_test_self_callee();
}
EXPORT_SYMBOL_GPL(klpx_test_self_caller);

/**
 * klpx_test_self_run() - call the caller, and keep what it returned
 * @enable:	called by the caller before the callee; may be NULL
 *
 * Context: process context.
 * Return: 0, or what @enable returned.
 */
int klpx_test_self_run(int (*enable)(void))
{
	int ret = klpx_test_self_caller(enable);

	if (ret < 0)
		return ret;
	WRITE_ONCE(self_reached, ret);
	pr_info("the caller reached: %d\n", ret);
	if (enable && READ_ONCE(self_hold)) {
		pr_info("held until 0 is written to hold\n");
		if (wait_event_killable(self_hold_wq, !READ_ONCE(self_hold)))
			pr_info("killed while held\n");
	}
	return 0;
}
EXPORT_SYMBOL_GPL(klpx_test_self_run);

static int run_set(const char *val, const struct kernel_param *kp)
{
	return klpx_test_self_run(NULL);
}

static const struct kernel_param_ops run_ops = {
	.set = run_set,
};
module_param_cb(run, &run_ops, NULL, 0200);
MODULE_PARM_DESC(run, "write anything: call the caller");

static int __init self_target_init(void)
{
	return 0;
}

static void __exit self_target_exit(void)
{
}

module_init(self_target_init);
module_exit(self_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: a caller and a callee, patched from inside the caller");
