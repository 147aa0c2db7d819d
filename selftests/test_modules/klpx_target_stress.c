// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_target_stress - threads that call patched functions in a loop.
 *
 * Each call is klpx_target_stress_call(klpx_target_stress_leaf, sleep):
 * the version of the call says who it is in its high bits, and calls the
 * leaf through the pointer, that is through its redirection, for the low
 * bits.  Every patch version makes both say the same number, and waits
 * between the two, inside the call: a switch that let a task sit in one
 * version's call while the leaf changed shows as a mixed result.
 *
 * Two kinds of callers, each pinned to one CPU, in turns over the online
 * CPUs:
 *  - "threads" spinners call without pause and yield inside the call
 *    (cond_resched()): the stop catches them running, or preempted there;
 *  - "sleepers" sleep inside the call, between reading their version and
 *    calling the leaf, for about a fifth of their time: a switch that
 *    does not wait for them mixes versions, and a replaced patch module
 *    removed under them is code they still have to run.
 *
 * Read-only parameters: calls, mixed (results whose halves differ),
 * backwards (a caller saw an older version after a newer one), unpatched
 * (a caller saw the unpatched functions after a version), newest (the
 * highest version seen), last (each caller's latest version, spinners
 * first).  Writing 1 to "stop" stops the callers before the module goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "klpx_target_stress.h"

#define KLPX_TARGET_FN __attribute__((__noipa__))

/*
 * Global, so that each is one symbol the patches find by name; declared
 * here only because nothing else calls them (-Wmissing-prototypes).
 */
long klpx_target_stress_leaf(void);
long klpx_target_stress_call(long (*leaf)(void), bool sleep);
#define STRESS_MAX_CALLERS 16

static int threads = 2;
module_param(threads, int, 0444);
MODULE_PARM_DESC(threads, "spinning callers");

static int sleepers;
module_param(sleepers, int, 0444);
MODULE_PARM_DESC(sleepers, "callers that sleep inside the call");

static atomic_long_t stress_calls, stress_mixed, stress_backwards;
static atomic_long_t stress_unpatched, stress_newest;

/**
 * struct stress_caller - one calling thread
 * @task:	the kthread, bound to one CPU
 * @sleep:	it sleeps inside the call (else it spins)
 * @last:	the version of its latest call; written by the caller only
 */
struct stress_caller {
	struct task_struct *task;
	bool sleep;
	long last;
};

static struct stress_caller stress_callers[STRESS_MAX_CALLERS];
/* Serialises stress_stop(), which "stop" and the module exit both call. */
static DEFINE_MUTEX(stress_stop_lock);

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
module_param_cb(unpatched, &stress_counter_ops, &stress_unpatched, 0444);
module_param_cb(newest, &stress_counter_ops, &stress_newest, 0444);

static int stress_last_get(char *buf, const struct kernel_param *kp)
{
	int i, len = 0;

	for (i = 0; i < threads + sleepers; i++)
		len += sysfs_emit_at(buf, len, "%s%ld", i ? " " : "",
				     READ_ONCE(stress_callers[i].last));
	return len + sysfs_emit_at(buf, len, "\n");
}

static const struct kernel_param_ops stress_last_ops = {
	.get = stress_last_get,
};
module_param_cb(last, &stress_last_ops, NULL, 0444);

KLPX_TARGET_FN long klpx_target_stress_leaf(void)
{
	return 0;
}

KLPX_TARGET_FN long klpx_target_stress_call(long (*leaf)(void), bool sleep)
{
	klpx_target_stress_wait(sleep);
	return leaf();
}

static void stress_check(struct stress_caller *c, long result)
{
	long version = result >> 16, last = c->last, newest;

	atomic_long_inc(&stress_calls);
	if (version != (result & 0xffff) &&
	    atomic_long_inc_return(&stress_mixed) == 1)
		pr_err("mixed result: call of version %ld, leaf of version %ld\n",
		       version, result & 0xffff);
	if (!version && last)
		atomic_long_inc(&stress_unpatched);
	else if (version < last)
		atomic_long_inc(&stress_backwards);
	WRITE_ONCE(c->last, version);
	newest = atomic_long_read(&stress_newest);
	while (version > newest &&
	       !atomic_long_try_cmpxchg(&stress_newest, &newest, version))
		;
}

static int stress_thread(void *data)
{
	struct stress_caller *c = data;
	unsigned int round = 0;
	int i;

	while (!kthread_should_stop()) {
		stress_check(c, klpx_target_stress_call(klpx_target_stress_leaf,
							c->sleep));
		if (c->sleep) {
			/* Four times as long outside the call as inside. */
			usleep_range(4 * KLPX_STRESS_SLEEP_US,
				     8 * KLPX_STRESS_SLEEP_US);
			continue;
		}
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

/* Called at exit, or earlier through the "stop" parameter. */
static void stress_stop(void)
{
	int i;

	mutex_lock(&stress_stop_lock);
	for (i = 0; i < STRESS_MAX_CALLERS; i++) {
		if (stress_callers[i].task)
			kthread_stop(stress_callers[i].task);
		stress_callers[i].task = NULL;
	}
	mutex_unlock(&stress_stop_lock);
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
	struct stress_caller *c;
	struct task_struct *t;
	int i, cpu = -1;

	if (threads < 0 || sleepers < 0 || threads + sleepers < 1 ||
	    threads + sleepers > STRESS_MAX_CALLERS) {
		pr_err("threads + sleepers: 1 to %d callers\n",
		       STRESS_MAX_CALLERS);
		return -EINVAL;
	}
	for (i = 0; i < threads + sleepers; i++) {
		c = &stress_callers[i];
		c->sleep = i >= threads;
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		t = kthread_create(stress_thread, c, "klpx_stress/%d", i);
		if (IS_ERR(t)) {
			pr_err("cannot start caller %d: %ld\n", i, PTR_ERR(t));
			stress_stop();
			return PTR_ERR(t);
		}
		kthread_bind(t, cpu);
		c->task = t;
		wake_up_process(t);
	}
	return 0;
}

static void __exit stress_exit(void)
{
	stress_stop();
	pr_info("%ld calls, %ld mixed, %ld backwards, %ld unpatched, newest version %ld\n",
		atomic_long_read(&stress_calls),
		atomic_long_read(&stress_mixed),
		atomic_long_read(&stress_backwards),
		atomic_long_read(&stress_unpatched),
		atomic_long_read(&stress_newest));
}

module_init(stress_init);
module_exit(stress_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: threads calling patched functions");
