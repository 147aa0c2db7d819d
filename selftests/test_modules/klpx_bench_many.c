// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_bench_many - what enabling and disabling a patch of 200 functions
 * costs while many threads sleep.
 *
 * 200 functions for klpx_bench_many_patch to replace and, with threads=N,
 * N kthreads asleep for each switch's activeness check to walk.
 * /sys/kernel/debug/klpx_bench_many/clock reads ktime_get_ns(), so that
 * bench/guest.sh can time an insmod of the patch (the enable) and a write
 * of 0 to its "enabled" (the disable, ftrace's filter changes and the
 * waits they bring included) from the shell, with the kernel's clock.
 * Reading "sum" calls every function and prints the sum of their results:
 * 19900 with the originals, 219900 with the patch.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include "klpx_bench_many.h"

#define BENCH_MANY_FN(name, n)						\
	int name(void);							\
	__attribute__((__noipa__)) int name(void) { return n; }
BENCH_MANY_FUNCS(BENCH_MANY_FN)

#define BENCH_MANY_CALL(name, n)	sum += name();

static int threads;
module_param(threads, int, 0444);
MODULE_PARM_DESC(threads, "kthreads asleep while the patch comes and goes");

static struct task_struct **bench_many_threads;
static int bench_many_nr_threads;
static DECLARE_WAIT_QUEUE_HEAD(bench_many_wq);
static struct dentry *bench_many_dir;

static int bench_many_sleeper(void *unused)
{
	while (!kthread_should_stop())
		wait_event_interruptible(bench_many_wq, kthread_should_stop());
	return 0;
}

static int bench_many_clock_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%llu\n", ktime_get_ns());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench_many_clock);

static int bench_many_sum_show(struct seq_file *m, void *v)
{
	long sum = 0;

	BENCH_MANY_FUNCS(BENCH_MANY_CALL)
	seq_printf(m, "%ld\n", sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench_many_sum);

static void bench_many_threads_stop(void)
{
	int i;

	for (i = 0; i < bench_many_nr_threads; i++)
		kthread_stop(bench_many_threads[i]);
	kvfree(bench_many_threads);
	bench_many_threads = NULL;
	bench_many_nr_threads = 0;
}

static int __init bench_many_init(void)
{
	struct task_struct *t;
	int i;

	if (threads > 0) {
		bench_many_threads = kvcalloc(threads, sizeof(t), GFP_KERNEL);
		if (!bench_many_threads)
			return -ENOMEM;
	}
	for (i = 0; i < threads; i++) {
		t = kthread_run(bench_many_sleeper, NULL, "klpx_many_%d", i);
		if (IS_ERR(t)) {
			pr_err("cannot start thread %d: %ld\n", i, PTR_ERR(t));
			bench_many_threads_stop();
			return PTR_ERR(t);
		}
		bench_many_threads[bench_many_nr_threads++] = t;
	}
	bench_many_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("clock", 0400, bench_many_dir, NULL,
			    &bench_many_clock_fops);
	debugfs_create_file("sum", 0400, bench_many_dir, NULL,
			    &bench_many_sum_fops);
	return 0;
}

static void __exit bench_many_exit(void)
{
	debugfs_remove_recursive(bench_many_dir);
	bench_many_threads_stop();
}

module_init(bench_many_init);
module_exit(bench_many_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx bench: enable and disable of a 200-function patch");
