// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_bench_stop_patch - replaces all 200 functions of klpx_bench_stop:
 * the cumulative patch whose switches klpx_bench_stop times.
 */
#include <linux/klpx.h>
#include <linux/module.h>
#include "klpx_bench_stop.h"

#define BENCH_STOP_NEW(name, n)						\
	static int new_##name(void) { return 1000 + n; }
BENCH_STOP_FUNCS(BENCH_STOP_NEW)

#define BENCH_STOP_ENTRY(name, n)					\
	{ .old_name = #name, .new_func = new_##name },

static struct klpx_func bench_stop_funcs[BENCH_STOP_NR + 1] = {
	BENCH_STOP_FUNCS(BENCH_STOP_ENTRY)
	{ }
};

static struct klpx_object bench_stop_objs[] = {
	{
		.name = "klpx_bench_stop",
		.funcs = bench_stop_funcs,
	}, { }
};

static struct klpx_patch bench_stop_patch = {
	.mod = THIS_MODULE,
	.objs = bench_stop_objs,
};

static int __init bench_stop_patch_init(void)
{
	return klpx_enable_patch(&bench_stop_patch);
}

static void __exit bench_stop_patch_exit(void)
{
}

module_init(bench_stop_patch_init);
module_exit(bench_stop_patch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx bench: a patch of 200 functions");
