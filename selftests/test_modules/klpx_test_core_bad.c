// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_bad - a patch whose enable fails late, to show that a
 * failure leaves nothing behind.
 *
 * Objects, in order:
 *  - klpx_target (or obj_name): klpx_target_version() returns 99;
 *    shadow types bad_a (id a_id) and bad_b (id b_id, name b_name);
 *  - vmlinux: the function named by old_name (default: cmdline_proc_show),
 *    position sympos, replaced by a cmdline_proc_show look-alike.
 *
 * With an unknown or ambiguous old_name the enable fails while resolving;
 * with b_id equal to another patch's id under another name it fails while
 * registering bad_b, after bad_a was registered and the klpx_target
 * functions were resolved.  With share_a, the vmlinux object lists the
 * very struct bad_a too, which is refused before anything is resolved;
 * so is an obj_name no loaded module can have.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static char *old_name = "cmdline_proc_show";
module_param(old_name, charp, 0444);
MODULE_PARM_DESC(old_name, "the vmlinux function to replace");
static ulong sympos;
module_param(sympos, ulong, 0444);
MODULE_PARM_DESC(sympos, "its position among symbols of that name");
static ulong a_id = 0x6b70000a;
module_param(a_id, ulong, 0444);
MODULE_PARM_DESC(a_id, "id of the shadow type bad_a");
static ulong b_id = 0x6b70000b;
module_param(b_id, ulong, 0444);
MODULE_PARM_DESC(b_id, "id of the shadow type named b_name");
static char *b_name = "bad_b";
module_param(b_name, charp, 0444);
MODULE_PARM_DESC(b_name, "name of the second shadow type");
static char *obj_name = "klpx_target";
module_param(obj_name, charp, 0444);
MODULE_PARM_DESC(obj_name, "the name of the module object");
static bool share_a;
module_param(share_a, bool, 0444);
MODULE_PARM_DESC(share_a, "the vmlinux object lists bad_a as well");

static int bad_version(void)
{
	return 99;
}

static int bad_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "this has been live patched by " KBUILD_MODNAME "\n");
	return 0;
}

static struct klpx_shadow_type bad_a = {
	.name = "bad_a",
	.size = sizeof(long),
};

static struct klpx_shadow_type bad_b = {
	.size = sizeof(long),
};

static struct klpx_shadow_type *bad_types[] = {
	&bad_a,
	&bad_b,
	NULL,
};

static struct klpx_shadow_type *bad_vmlinux_types[] = {
	&bad_a,
	NULL,
};

static struct klpx_func bad_target_funcs[] = {
	{
		.old_name = "klpx_target_version",
		.new_func = bad_version,
	}, { }
};

static struct klpx_func bad_vmlinux_funcs[] = {
	{
		.new_func = bad_cmdline_proc_show,
	}, { }
};

static struct klpx_object bad_objs[] = {
	{
		.name = "klpx_target",
		.funcs = bad_target_funcs,
		.shadow_types = bad_types,
	}, {
		.funcs = bad_vmlinux_funcs,
	}, { }
};

static struct klpx_patch bad_patch = {
	.mod = THIS_MODULE,
	.objs = bad_objs,
};

static int __init bad_init(void)
{
	bad_vmlinux_funcs[0].old_name = old_name;
	bad_vmlinux_funcs[0].old_sympos = sympos;
	bad_a.id = a_id;
	bad_b.id = b_id;
	bad_b.name = b_name;
	bad_objs[0].name = obj_name;
	if (share_a)
		bad_objs[1].shadow_types = bad_vmlinux_types;
	return klpx_enable_patch(&bad_patch);
}

static void __exit bad_exit(void)
{
}

module_init(bad_init);
module_exit(bad_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: enables that fail late");
