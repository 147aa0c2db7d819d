// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_shadow_growth - 10^5 creations in a loop that never yields,
 * the way a patch's init attaching a variable to every object of a kind
 * would make them.
 *
 * The loop runs in the module's init, pinned to its CPU, with GFP_KERNEL
 * and no cond_resched() of its own.  The table of the id must keep up
 * however the loop behaves: were its growth left to a worker that needs
 * the loop's CPU, chains would grow without bound, each creation would
 * cost O(n), and the kernel would report a soft lockup.  The load fails
 * with -EIO and one log line if a creation failed or a variable is not
 * found afterwards, and with -ETIMEDOUT if the loop took a minute or more.
 * The summary it logs does not depend on timing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#define GROWTH_CREATIONS	100000
#define GROWTH_LIMIT_NS		(60 * NSEC_PER_SEC)

static struct klpx_shadow_type growth_type = {
	.id = 0x6b6c7890,
	.name = "klpx_test_growth",
	.size = sizeof(unsigned long),
};

/* Keys only, never dereferenced. */
static char *objs;

/* Create a variable for each of @objs without yielding; 0 or -EIO. */
static int growth_loop(void)
{
	unsigned long *data;
	unsigned long i;
	int ret = 0;

	migrate_disable();
	for (i = 0; i < GROWTH_CREATIONS; i++) {
		data = klpx_shadow_get_or_alloc(&objs[i], &growth_type,
						GFP_KERNEL, NULL);
		if (!data) {
			ret = -EIO;
			break;
		}
		*data = i;
	}
	migrate_enable();
	if (ret)
		pr_err("creation %lu of %d failed: error %d\n", i,
		       GROWTH_CREATIONS, ret);
	return ret;
}

/* Every variable is there with what its creation wrote; 0 or -EIO. */
static int growth_check(void)
{
	unsigned long *data;
	unsigned long i;

	for (i = 0; i < GROWTH_CREATIONS; i++) {
		data = klpx_shadow_get(&objs[i], &growth_type);
		if (!data || *data != i) {
			pr_err("variable %lu of %d %s: error %d\n", i,
			       GROWTH_CREATIONS, data ? "is wrong" : "is missing",
			       -EIO);
			return -EIO;
		}
	}
	return 0;
}

static int __init growth_init(void)
{
	u64 start, elapsed;
	int ret;

	objs = kvzalloc(GROWTH_CREATIONS, GFP_KERNEL);
	if (!objs)
		return -ENOMEM;
	ret = klpx_shadow_register(&growth_type);
	if (ret) {
		pr_err("cannot register %s: error %d\n", growth_type.name, ret);
		goto err_objs;
	}

	start = ktime_get_ns();
	ret = growth_loop();
	elapsed = ktime_get_ns() - start;
	if (ret)
		goto err_unregister;
	if (elapsed >= GROWTH_LIMIT_NS) {
		ret = -ETIMEDOUT;
		pr_err("%d creations took %llu ms, a minute or more: error %d\n",
		       GROWTH_CREATIONS, div_u64(elapsed, NSEC_PER_MSEC), ret);
		goto err_unregister;
	}
	ret = growth_check();
	if (ret)
		goto err_unregister;

	pr_info("%d creations in a loop that never yields: every variable found\n",
		GROWTH_CREATIONS);
	pr_info("count=%zu\n", klpx_shadow_count(&growth_type));
	klpx_shadow_free_all(&growth_type);
	pr_info("count after free_all=%zu\n", klpx_shadow_count(&growth_type));
	return 0;

err_unregister:
	klpx_shadow_unregister(&growth_type);
err_objs:
	kvfree(objs);
	return ret;
}

static void __exit growth_exit(void)
{
	klpx_shadow_unregister(&growth_type);
	kvfree(objs);
}

module_init(growth_init);
module_exit(growth_exit);
MODULE_DESCRIPTION("klpx test: a table keeps up with creations that never yield");
MODULE_LICENSE("GPL");
