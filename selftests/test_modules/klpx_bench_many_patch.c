// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_bench_many_patch - replaces all 200 functions of klpx_bench_many,
 * each by one that returns 1000 more.
 */
#include <linux/klpx.h>
#include <linux/module.h>
#include "klpx_bench_many.h"

#define BENCH_MANY_NEW(name, n)						\
	static int new_##name(void) { return 1000 + n; }
BENCH_MANY_FUNCS(BENCH_MANY_NEW)

#define BENCH_MANY_ENTRY(name, n)					\
	{ .old_name = #name, .new_func = new_##name },

static struct klpx_func bench_many_funcs[BENCH_MANY_NR + 1] = {
	BENCH_MANY_FUNCS(BENCH_MANY_ENTRY)
	{ }
};

static struct klpx_object bench_many_objs[] = {
	{
		.name = "klpx_bench_many",
		.funcs = bench_many_funcs,
	}, { }
};

static struct klpx_patch bench_many_patch = {
	.mod = THIS_MODULE,
	.objs = bench_many_objs,
};

static int __init bench_many_patch_init(void)
{
	return klpx_enable_patch(&bench_many_patch);
}

static void __exit bench_many_patch_exit(void)
{
}

module_init(bench_many_patch_init);
module_exit(bench_many_patch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx bench: a patch of 200 functions, enabled and disabled");
