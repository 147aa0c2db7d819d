// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_basic - patch a vmlinux function and a module function.
 *
 * vmlinux: cmdline_proc_show(), what /proc/cmdline shows;
 * klpx_target: klpx_target_greeting().
 * Every callback logs; the klpx_target object's pre_patch returns the
 * parameter pre_patch_ret.  The vmlinux object owns a shadow type, so a
 * failed enable shows whether its registration was undone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int pre_patch_ret;
module_param(pre_patch_ret, int, 0444);
MODULE_PARM_DESC(pre_patch_ret, "what the klpx_target pre_patch returns");

static int basic_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "this has been live patched by " KBUILD_MODNAME "\n");
	return 0;
}

static const char *basic_greeting(void)
{
	return "hello from " KBUILD_MODNAME;
}

static const char *obj_name(struct klpx_object *obj)
{
	return obj->name ? obj->name : "vmlinux";
}

static int basic_pre_patch(struct klpx_object *obj)
{
	if (obj->name && pre_patch_ret) {
		pr_info("pre_patch %s: failing with %d\n", obj_name(obj),
			pre_patch_ret);
		return pre_patch_ret;
	}
	pr_info("pre_patch %s\n", obj_name(obj));
	return 0;
}

static void basic_post_patch(struct klpx_object *obj)
{
	pr_info("post_patch %s\n", obj_name(obj));
}

static void basic_pre_unpatch(struct klpx_object *obj)
{
	pr_info("pre_unpatch %s\n", obj_name(obj));
}

static void basic_post_unpatch(struct klpx_object *obj)
{
	pr_info("post_unpatch %s\n", obj_name(obj));
}

#define BASIC_CALLBACKS {				\
	.pre_patch = basic_pre_patch,			\
	.post_patch = basic_post_patch,			\
	.pre_unpatch = basic_pre_unpatch,		\
	.post_unpatch = basic_post_unpatch,		\
}

static struct klpx_shadow_type basic_state = {
	.id = 0x6b700001,
	.name = "basic_state",
	.size = sizeof(long),
};

static struct klpx_shadow_type *basic_vmlinux_types[] = {
	&basic_state,
	NULL,
};

static struct klpx_func basic_vmlinux_funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = basic_cmdline_proc_show,
	}, { }
};

static struct klpx_func basic_target_funcs[] = {
	{
		.old_name = "klpx_target_greeting",
		.new_func = basic_greeting,
	}, { }
};

static struct klpx_object basic_objs[] = {
	{
		.funcs = basic_vmlinux_funcs,
		.shadow_types = basic_vmlinux_types,
		.callbacks = BASIC_CALLBACKS,
	}, {
		.name = "klpx_target",
		.funcs = basic_target_funcs,
		.callbacks = BASIC_CALLBACKS,
	}, { }
};

static struct klpx_patch basic_patch = {
	.mod = THIS_MODULE,
	.objs = basic_objs,
};

static int __init basic_init(void)
{
	return klpx_enable_patch(&basic_patch);
}

static void __exit basic_exit(void)
{
}

module_init(basic_init);
module_exit(basic_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: patch /proc/cmdline and klpx_target_greeting()");
