// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_self_load - replaces do_one_initcall(), which runs every
 * module's init, from its own init: the insmod that enables it is inside
 * the function its switch changes.  The parameter "calls" counts the
 * inits the replacement ran.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/init.h>
#include <linux/klpx.h>
#include <linux/module.h>

static atomic_t self_load_calls = ATOMIC_INIT(0);

static int calls_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&self_load_calls));
}

static const struct kernel_param_ops calls_ops = {
	.get = calls_get,
};
module_param_cb(calls, &calls_ops, NULL, 0444);
MODULE_PARM_DESC(calls, "module inits run by the replacement");

/* What a test needs of do_one_initcall(): run the init, count it. */
static int self_load_do_one_initcall(initcall_t fn)
{
	atomic_inc(&self_load_calls);
	return fn();
}

static struct klpx_func self_load_funcs[] = {
	{
		.old_name = "do_one_initcall",
		.new_func = self_load_do_one_initcall,
	}, { }
};

static struct klpx_object self_load_objs[] = {
	{
		.funcs = self_load_funcs,
	}, { }
};

static struct klpx_patch self_load_patch = {
	.mod = THIS_MODULE,
	.objs = self_load_objs,
};

static int __init self_load_init(void)
{
	return klpx_enable_patch(&self_load_patch);
}

static void __exit self_load_exit(void)
{
}

module_init(self_load_init);
module_exit(self_load_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: patch the module-load path from a module init");
