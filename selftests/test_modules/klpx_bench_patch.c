// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_bench_patch - klpx redirects klpx_bench_by_klpx() to a function of
 * the same body, for the per-call cost measured by klpx_bench.
 *
 * Read-only parameters, in nanoseconds:
 *   call_ns	the klpx_enable_patch() call
 *   enable_ns	from the start of klpx_enable_patch() to the post_patch
 *		callback (the functions are redirected)
 *   disable_ns from the pre_unpatch to the post_unpatch callback of a
 *		disable through sysfs
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/ktime.h>
#include <linux/module.h>

static unsigned long long call_ns, enable_ns, disable_ns;
module_param(call_ns, ullong, 0444);
MODULE_PARM_DESC(call_ns, "duration of the klpx_enable_patch() call");
module_param(enable_ns, ullong, 0444);
MODULE_PARM_DESC(enable_ns, "klpx_enable_patch() start to post_patch");
module_param(disable_ns, ullong, 0444);
MODULE_PARM_DESC(disable_ns, "pre_unpatch to post_unpatch of the disable");

static u64 enable_start, disable_start;

/* noipa, as the original: the two differ only in being redirected to. */
static __attribute__((__noipa__)) int bench_patched_by_klpx(int x)
{
	return x + 1;
}

static void bench_post_patch(struct klpx_object *obj)
{
	enable_ns = ktime_get_ns() - enable_start;
}

static void bench_pre_unpatch(struct klpx_object *obj)
{
	disable_start = ktime_get_ns();
}

static void bench_post_unpatch(struct klpx_object *obj)
{
	disable_ns = ktime_get_ns() - disable_start;
}

static struct klpx_func bench_funcs[] = {
	{
		.old_name = "klpx_bench_by_klpx",
		.new_func = bench_patched_by_klpx,
	}, { }
};

static struct klpx_object bench_objs[] = {
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

static struct klpx_patch bench_patch = {
	.mod = THIS_MODULE,
	.objs = bench_objs,
};

static int __init bench_patch_init(void)
{
	int ret;

	enable_start = ktime_get_ns();
	ret = klpx_enable_patch(&bench_patch);
	call_ns = ktime_get_ns() - enable_start;
	return ret;
}

static void __exit bench_patch_exit(void)
{
}

module_init(bench_patch_init);
module_exit(bench_patch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx benchmark: a klpx patch of klpx_bench_by_klpx()");
