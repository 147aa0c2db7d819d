// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_bench - klpx side by side with the kernel's own shadow variables
 * (klp_shadow_*) and livepatch, in the same boot.  Not a test: it asserts
 * nothing about speed, it prints numbers.
 *
 * Commands are written to /sys/kernel/debug/klpx_bench/ctl, one per
 * write; /sys/kernel/debug/klpx_bench/result then holds what the last one
 * printed.  A set is "one" (every variable of one id) or "spread" (the
 * variables spread over 64 ids, variable i of id i % 64):
 *
 *	fill SET IMPL N		grow SET to N variables of IMPL (klpx|klp)
 *	get SET ROUNDS		lookups of random present variables, with an
 *				empty loop ("base") timed in turn too
 *	miss SET ROUNDS		lookups of objects that have no variable
 *	resize ROUNDS		lookups of present variables while klpx's
 *				table of 32768 variables grows (set "grow")
 *	create SET ROUNDS K	K get_or_alloc() calls that create, per round
 *	clear SET		drop every variable of SET, both IMPLs
 *	freeall ROUNDS K	free_all of an id with K variables, while the
 *				"spread" set is live
 *	gc N ROUNDS		klpx: unregister an id holding N variables;
 *				klp: klp_shadow_free_all() of N variables,
 *				then rcu_barrier()
 *	call ROUNDS		calls of three identical trivial functions:
 *				klpx_bench_plain() (never patched),
 *				klpx_bench_by_klpx(), klpx_bench_by_klp()
 *	switch			the durations of the klpx switches seen so far
 *	stopmachine ROUNDS	stop_machine() of a function that does nothing
 *	settle			wait for RCU callbacks and deferred work
 *
 * Every measurement is printed as one line
 *
 *	@ MEASURE SET N IMPL ROUND NS OPS [TOTAL_NS TOTAL_OPS]
 *
 * (NS nanoseconds for OPS operations), so that the host computes per-op
 * figures and medians from the raw numbers.  Lookups, creations and calls
 * are timed in small batches: within a round the implementations take
 * turns batch by batch (A B A B ...), starting with a different one from
 * one round to the next, so that whatever else the machine does falls on
 * both alike; NS is then the round's median batch, TOTAL_NS the sum of
 * all of them.
 *
 * The commands are carried out by klpx_bench_shadow.c and
 * klpx_bench_calls.c, which print through klpx_bench_out.c; this file
 * parses them and serves the two files.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "klpx_bench.h"

/* Serialises commands; guards the sets, the lookup arrays and the result. */
static DEFINE_MUTEX(bench_mutex);

static int bench_run(char *cmd)
{
	char *argv[4] = { };
	int argc = 0, ret;
	char *p;

	while ((p = strsep(&cmd, " \t\n")) && argc < ARRAY_SIZE(argv)) {
		if (*p)
			argv[argc++] = p;
	}
	if (!argc)
		return -EINVAL;
	if (!strcmp(argv[0], "settle")) {
		bench_settle();
		return 0;
	}
	ret = bench_calls_run(argc, argv);
	if (ret == -ENOENT)
		ret = bench_shadow_run(argc, argv);
	return ret == -ENOENT ? -EINVAL : ret;
}

static ssize_t bench_ctl_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char *cmd;
	int ret;

	if (count > 128)
		return -EINVAL;
	cmd = memdup_user_nul(ubuf, count);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);

	mutex_lock(&bench_mutex);
	bench_out_reset();
	ret = bench_run(cmd);
	mutex_unlock(&bench_mutex);
	kfree(cmd);
	return ret ? ret : count;
}

static ssize_t bench_result_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&bench_mutex);
	ret = bench_out_read(ubuf, count, ppos);
	mutex_unlock(&bench_mutex);
	return ret;
}

static const struct file_operations bench_ctl_fops = {
	.owner = THIS_MODULE,
	.write = bench_ctl_write,
	.llseek = noop_llseek,
};

static const struct file_operations bench_result_fops = {
	.owner = THIS_MODULE,
	.read = bench_result_read,
	.llseek = default_llseek,
};

static struct dentry *bench_dir;

static int __init bench_init(void)
{
	int ret;

	ret = bench_out_init();
	if (ret)
		return ret;
	ret = bench_shadow_init();
	if (ret) {
		bench_out_exit();
		return ret;
	}
	bench_calls_init();

	bench_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ctl", 0200, bench_dir, NULL, &bench_ctl_fops);
	debugfs_create_file("result", 0400, bench_dir, NULL,
			    &bench_result_fops);
	return 0;
}

static void __exit bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	bench_calls_exit();
	bench_shadow_exit();
	bench_out_exit();
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx benchmark: shadow variables and redirection against the kernel's own");
