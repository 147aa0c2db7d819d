// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_target_stress - threads that call patched functions in a loop.
 *
 * Each call is klpx_target_stress_call(klpx_target_stress_leaf): the
 * version of the call says who it is in its high bits, and calls the leaf
 * through the pointer, that is through its redirection, for the low bits.
 * Every patch version makes both say the same number, and yields the CPU
 * between the two, inside the call: a switch that let a task sit in one
 * version's call while the leaf changed would show as a mixed result.
 *
 * Read-only parameters: calls, mixed (results whose halves differ),
 * backwards (a thread saw an older version after a newer one), newest
 * (the highest version seen).  "threads" (at load) says how many;
 * writing 1 to "stop" stops them before the module goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#define KLPX_TARGET_FN __attribute__((__noipa__))

/*
 * Global, so that each is one symbol the patches find by name; declared
 * here only because nothing else calls them (-Wmissing-prototypes).
 */
long klpx_target_stress_leaf(void);
long klpx_target_stress_call(long (*leaf)(void));
#define STRESS_MAX_THREADS 8

static int threads = 2;
module_param(threads, int, 0444);
MODULE_PARM_DESC(threads, "calling threads (at most 8)");

static atomic_long_t stress_calls, stress_mixed, stress_backwards;
static atomic_long_t stress_newest;
static struct task_struct *stress_tasks[STRESS_MAX_THREADS];

static int stress_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops stress_counter_ops = {
	.get = stress_get,
};
module_param_cb(calls, &stress_counter_ops, &stress_calls, 0444);
module_param_cb(mixed, &stress_counter_ops, &stress_mixed, 0444);
module_param_cb(backwards, &stress_counter_ops, &stress_backwards, 0444);
module_param_cb(newest, &stress_counter_ops, &stress_newest, 0444);

KLPX_TARGET_FN long klpx_target_stress_leaf(void)
{
	return 0;
}

KLPX_TARGET_FN long klpx_target_stress_call(long (*leaf)(void))
{
	cond_resched();
	return leaf();
}

static int stress_thread(void *unused)
{
	long result, version, last = 0, newest;
	unsigned int round = 0;
	int i;

	while (!kthread_should_stop()) {
		result = klpx_target_stress_call(klpx_target_stress_leaf);
		version = result >> 16;
		atomic_long_inc(&stress_calls);
		if (version != (result & 0xffff) &&
		    atomic_long_inc_return(&stress_mixed) == 1)
			pr_err("mixed result: call of version %ld, leaf of version %ld\n",
			       version, result & 0xffff);
		if (version < last)
			atomic_long_inc(&stress_backwards);
		last = version;
		newest = atomic_long_read(&stress_newest);
		while (version > newest &&
		       !atomic_long_try_cmpxchg(&stress_newest, &newest,
						version))
			;
		/* More places to yield outside the patched code than in it. */
		for (i = 0; i < 3; i++)
			cond_resched();
		/*
		 * Sleep now and then, as real threads do: tasks that never
		 * block would hold up every RCU-tasks grace period, which
		 * ftrace waits for when an ops goes away.
		 */
		if (!(++round % 64))
			usleep_range(500, 1000);
	}
	return 0;
}

/* Called at exit, or earlier through the "stop" parameter; once is enough. */
static void stress_stop(void)
{
	int i;

	for (i = 0; i < STRESS_MAX_THREADS; i++) {
		if (stress_tasks[i])
			kthread_stop(stress_tasks[i]);
		stress_tasks[i] = NULL;
	}
}

static int stress_stop_set(const char *val, const struct kernel_param *kp)
{
	bool stop;
	int ret;

	ret = kstrtobool(val, &stop);
	if (ret)
		return ret;
	if (stop)
		stress_stop();
	return 0;
}

static const struct kernel_param_ops stress_stop_ops = {
	.set = stress_stop_set,
};
module_param_cb(stop, &stress_stop_ops, NULL, 0200);
MODULE_PARM_DESC(stop, "write 1 to stop the calling threads");

static int __init stress_init(void)
{
	struct task_struct *t;
	int i;

	if (threads < 1 || threads > STRESS_MAX_THREADS)
		return -EINVAL;
	for (i = 0; i < threads; i++) {
		t = kthread_run(stress_thread, NULL, "klpx_stress/%d", i);
		if (IS_ERR(t)) {
			stress_stop();
			return PTR_ERR(t);
		}
		stress_tasks[i] = t;
	}
	return 0;
}

static void __exit stress_exit(void)
{
	stress_stop();
	pr_info("%ld calls, %ld mixed, %ld backwards, newest version %ld\n",
		atomic_long_read(&stress_calls),
		atomic_long_read(&stress_mixed),
		atomic_long_read(&stress_backwards),
		atomic_long_read(&stress_newest));
}

module_init(stress_init);
module_exit(stress_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: threads calling patched functions");
