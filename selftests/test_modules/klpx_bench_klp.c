// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_bench_klp - the kernel's own livepatch redirects klpx_bench_by_klp()
 * to a function of the same body, for the per-call cost measured by
 * klpx_bench.
 *
 * Read-only parameters, in nanoseconds, as those of klpx_bench_patch:
 *   call_ns	the klp_enable_patch() call
 *   enable_ns	from the start of klp_enable_patch() to the post_patch
 *		callback, which runs when the transition is complete
 *   disable_ns from the pre_unpatch to the post_unpatch callback of a
 *		disable through sysfs (the whole disable transition)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/livepatch.h>
#include <linux/module.h>

static unsigned long long call_ns, enable_ns, disable_ns;
module_param(call_ns, ullong, 0444);
MODULE_PARM_DESC(call_ns, "duration of the klp_enable_patch() call");
module_param(enable_ns, ullong, 0444);
MODULE_PARM_DESC(enable_ns, "klp_enable_patch() start to post_patch");
module_param(disable_ns, ullong, 0444);
MODULE_PARM_DESC(disable_ns, "pre_unpatch to post_unpatch of the disable");

static u64 enable_start, disable_start;

static __attribute__((__noipa__)) int bench_patched_by_klp(int x)
{
	return x + 1;
}

static void bench_post_patch(struct klp_object *obj)
{
	enable_ns = ktime_get_ns() - enable_start;
}

static void bench_pre_unpatch(struct klp_object *obj)
{
	disable_start = ktime_get_ns();
}

static void bench_post_unpatch(struct klp_object *obj)
{
	disable_ns = ktime_get_ns() - disable_start;
}

static struct klp_func bench_funcs[] = {
	{
		.old_name = "klpx_bench_by_klp",
		.new_func = bench_patched_by_klp,
	}, { }
};

static struct klp_object bench_objs[] = {
	{
		.name = "klpx_bench",
		.funcs = bench_funcs,
		.callbacks = {
			.post_patch = bench_post_patch,
			.pre_unpatch = bench_pre_unpatch,
			.post_unpatch = bench_post_unpatch,
		},
	}, { }
};

static struct klp_patch bench_patch = {
	.mod = THIS_MODULE,
	.objs = bench_objs,
};

static int __init bench_klp_init(void)
{
	int ret;

	enable_start = ktime_get_ns();
	ret = klp_enable_patch(&bench_patch);
	call_ns = ktime_get_ns() - enable_start;
	return ret;
}

static void __exit bench_klp_exit(void)
{
}

module_init(bench_klp_init);
module_exit(bench_klp_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("klpx benchmark: a kernel livepatch of klpx_bench_by_klp()");
