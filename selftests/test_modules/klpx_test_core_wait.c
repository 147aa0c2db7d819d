// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_wait - replaces klpx_target_wait(), a function tasks
 * sleep in.  Its callbacks log and its object owns a shadow type, so a
 * refused enable shows that everything was undone.
 *
 * With hold=1 the replacement itself sleeps until 1 is written to the
 * parameter "release", so that a disable can be refused too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/wait.h>

static bool hold;
module_param(hold, bool, 0444);
MODULE_PARM_DESC(hold, "the replacement sleeps until released");

static DECLARE_WAIT_QUEUE_HEAD(wait_release_wq);
static bool wait_released;

static int release_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret)
		wake_up_all(&wait_release_wq);
	return ret;
}

static const struct kernel_param_ops release_ops = {
	.set = release_set,
	.get = param_get_bool,
};
module_param_cb(release, &release_ops, &wait_released, 0644);
MODULE_PARM_DESC(release, "write 1 to wake the replacement up");

static int wait_replacement(void)
{
	if (!hold) {
		pr_info("klpx_target_wait replaced: not waiting\n");
		return 0;
	}
	pr_info("klpx_target_wait replaced: holding until released\n");
	return wait_event_interruptible(wait_release_wq,
					READ_ONCE(wait_released));
}

static int wait_pre_patch(struct klpx_object *obj)
{
	pr_info("pre_patch %s\n", obj->name);
	return 0;
}

static void wait_post_patch(struct klpx_object *obj)
{
	pr_info("post_patch %s\n", obj->name);
}

static void wait_pre_unpatch(struct klpx_object *obj)
{
	pr_info("pre_unpatch %s\n", obj->name);
}

static void wait_post_unpatch(struct klpx_object *obj)
{
	pr_info("post_unpatch %s\n", obj->name);
}

static struct klpx_shadow_type wait_state = {
	.id = 0x6b700030,
	.name = "wait_state",
	.size = sizeof(long),
};

static struct klpx_shadow_type *wait_types[] = {
	&wait_state,
	NULL,
};

static struct klpx_func wait_funcs[] = {
	{
		.old_name = "klpx_target_wait",
		.new_func = wait_replacement,
	}, { }
};

static struct klpx_object wait_objs[] = {
	{
		.name = "klpx_target",
		.funcs = wait_funcs,
		.shadow_types = wait_types,
		.callbacks = {
			.pre_patch = wait_pre_patch,
			.post_patch = wait_post_patch,
			.pre_unpatch = wait_pre_unpatch,
			.post_unpatch = wait_post_unpatch,
		},
	}, { }
};

static struct klpx_patch wait_patch = {
	.mod = THIS_MODULE,
	.objs = wait_objs,
};

static int __init wait_init(void)
{
	return klpx_enable_patch(&wait_patch);
}

static void __exit wait_exit(void)
{
}

module_init(wait_init);
module_exit(wait_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: patch a function a task sleeps in");
