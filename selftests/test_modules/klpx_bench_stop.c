// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_bench_stop - how long a klpx switch keeps the machine stopped.
 *
 * 200 functions for klpx_bench_stop_patch to replace, and, with
 * threads=N, N kthreads asleep for the activeness check to walk.  Kprobes
 * on klpx's step time each switch from the moment every CPU is stopped
 * (the entry of the step) to the moment the stacks change (the entry of
 * klpx_switch_apply()): the check pass, which is what grows with tasks and
 * functions.  /sys/kernel/debug/klpx_bench_stop/samples lists them as
 * bench lines; writing "nop N" there first times N stop_machine() calls of
 * a function that does nothing, with the same threads, for scale.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stop_machine.h>
#include <linux/wait.h>
#include "klpx_bench_stop.h"

#define BENCH_STOP_FN(name, n)						\
	int name(void);							\
	__attribute__((__noipa__)) int name(void) { return n; }
BENCH_STOP_FUNCS(BENCH_STOP_FN)

static int threads;
module_param(threads, int, 0444);
MODULE_PARM_DESC(threads, "kthreads asleep while switches are timed");

#define BENCH_STOP_MAX	256

static DEFINE_SPINLOCK(bench_stop_lock);
static u64 bench_stop_start;
static u64 bench_stop_ns[BENCH_STOP_MAX];
static unsigned int bench_stop_nr;
static u64 bench_nop_ns[BENCH_STOP_MAX];
static unsigned int bench_nop_nr;

static struct task_struct **bench_stop_threads;
static int bench_stop_nr_threads;
static DECLARE_WAIT_QUEUE_HEAD(bench_stop_wq);
static struct dentry *bench_stop_dir;

static int bench_stop_sleeper(void *unused)
{
	wait_event_interruptible(bench_stop_wq, kthread_should_stop());
	while (!kthread_should_stop())
		wait_event_interruptible(bench_stop_wq, kthread_should_stop());
	return 0;
}

static int bench_stop_step(struct kprobe *p, struct pt_regs *regs)
{
	WRITE_ONCE(bench_stop_start, ktime_get_ns());
	return 0;
}

static int bench_stop_apply(struct kprobe *p, struct pt_regs *regs)
{
	u64 start = READ_ONCE(bench_stop_start);

	if (!start)
		return 0;
	WRITE_ONCE(bench_stop_start, 0);
	spin_lock(&bench_stop_lock);
	if (bench_stop_nr < BENCH_STOP_MAX)
		bench_stop_ns[bench_stop_nr++] = ktime_get_ns() - start;
	spin_unlock(&bench_stop_lock);
	return 0;
}

static struct kprobe bench_stop_step_probe = {
	.symbol_name = "klpx_switch_step",
	.pre_handler = bench_stop_step,
};

static struct kprobe bench_stop_apply_probe = {
	.symbol_name = "klpx_switch_apply",
	.pre_handler = bench_stop_apply,
};

static struct kprobe *bench_stop_probes[] = {
	&bench_stop_step_probe,
	&bench_stop_apply_probe,
};

static int bench_stop_nop(void *unused)
{
	return 0;
}

static int bench_stop_show(struct seq_file *m, void *v)
{
	unsigned int i;

	spin_lock(&bench_stop_lock);
	for (i = 0; i < bench_stop_nr; i++)
		seq_printf(m, "@ stopped - %d klpx %u %llu 1\n",
			   bench_stop_nr_threads, i, bench_stop_ns[i]);
	for (i = 0; i < bench_nop_nr; i++)
		seq_printf(m, "@ stopnop - %d klpx %u %llu 1\n",
			   bench_stop_nr_threads, i, bench_nop_ns[i]);
	spin_unlock(&bench_stop_lock);
	return 0;
}

static int bench_stop_open(struct inode *inode, struct file *file)
{
	return single_open(file, bench_stop_show, NULL);
}

static ssize_t bench_stop_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	unsigned int n, i;
	u64 t;
	int ret;

	ret = kstrtouint_from_user(ubuf, count, 10, &n);
	if (ret)
		return ret;
	for (i = 0; i < n && bench_nop_nr < BENCH_STOP_MAX; i++) {
		t = ktime_get_ns();
		ret = stop_machine(bench_stop_nop, NULL, NULL);
		if (ret)
			return ret;
		bench_nop_ns[bench_nop_nr++] = ktime_get_ns() - t;
	}
	return count;
}

static const struct file_operations bench_stop_fops = {
	.owner = THIS_MODULE,
	.open = bench_stop_open,
	.read = seq_read,
	.write = bench_stop_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static void bench_stop_threads_stop(void)
{
	int i;

	for (i = 0; i < bench_stop_nr_threads; i++)
		kthread_stop(bench_stop_threads[i]);
	kvfree(bench_stop_threads);
	bench_stop_threads = NULL;
	bench_stop_nr_threads = 0;
}

static int __init bench_stop_init(void)
{
	struct task_struct *t;
	int ret, i;

	if (threads > 0) {
		bench_stop_threads = kvcalloc(threads, sizeof(t), GFP_KERNEL);
		if (!bench_stop_threads)
			return -ENOMEM;
	}
	for (i = 0; i < threads; i++) {
		t = kthread_run(bench_stop_sleeper, NULL, "klpx_bench_%d", i);
		if (IS_ERR(t)) {
			pr_err("cannot start thread %d: %ld\n", i, PTR_ERR(t));
			bench_stop_threads_stop();
			return PTR_ERR(t);
		}
		bench_stop_threads[bench_stop_nr_threads++] = t;
	}
	ret = register_kprobes(bench_stop_probes,
			       ARRAY_SIZE(bench_stop_probes));
	if (ret) {
		pr_err("cannot probe klpx's switch step: %d\n", ret);
		bench_stop_threads_stop();
		return ret;
	}
	bench_stop_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("samples", 0600, bench_stop_dir, NULL,
			    &bench_stop_fops);
	return 0;
}

static void __exit bench_stop_exit(void)
{
	debugfs_remove_recursive(bench_stop_dir);
	unregister_kprobes(bench_stop_probes, ARRAY_SIZE(bench_stop_probes));
	bench_stop_threads_stop();
}

module_init(bench_stop_init);
module_exit(bench_stop_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx bench: the time a switch keeps the machine stopped");
