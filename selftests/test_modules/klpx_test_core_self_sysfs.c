// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_self_sysfs - replaces sysfs_kf_write(), which every
 * write to a sysfs attribute goes through, so that writing 0 to its own
 * "enabled" file disables it from inside its replacement.  The parameter
 * "calls" counts the writes the replacement carried.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kernfs.h>
#include <linux/klpx.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/sysfs.h>

static atomic_t self_sysfs_calls = ATOMIC_INIT(0);

static int calls_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&self_sysfs_calls));
}

static const struct kernel_param_ops calls_ops = {
	.get = calls_get,
};
module_param_cb(calls, &calls_ops, NULL, 0444);
MODULE_PARM_DESC(calls, "sysfs writes carried by the replacement");

/* sysfs_kf_write() as the kernel has it, counting. */
static ssize_t self_sysfs_kf_write(struct kernfs_open_file *of, char *buf,
				   size_t count, loff_t pos)
{
	struct kobject *kobj = of->kn->parent->priv;
	const struct sysfs_ops *ops = kobj->ktype ? kobj->ktype->sysfs_ops :
						    NULL;

	if (!count)
		return 0;
	atomic_inc(&self_sysfs_calls);
	return ops->store(kobj, of->kn->priv, buf, count);
}

static struct klpx_func self_sysfs_funcs[] = {
	{
		.old_name = "sysfs_kf_write",
		.new_func = self_sysfs_kf_write,
	}, { }
};

static struct klpx_object self_sysfs_objs[] = {
	{
		.funcs = self_sysfs_funcs,
	}, { }
};

static struct klpx_patch self_sysfs_patch = {
	.mod = THIS_MODULE,
	.objs = self_sysfs_objs,
};

static int __init self_sysfs_init(void)
{
	return klpx_enable_patch(&self_sysfs_patch);
}

static void __exit self_sysfs_exit(void)
{
}

module_init(self_sysfs_init);
module_exit(self_sysfs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: patch the sysfs write path, disabled through it");
