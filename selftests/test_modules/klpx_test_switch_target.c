// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_switch_target - functions tasks sleep in, for the switch tests.
 *
 * Reading each file sleeps in one function that klpx_test_switch_patch
 * replaces, then returns "woke" (the original) or what the replacement
 * answered:
 *
 *	/proc/klpx_switch_eintr		klpx_switch_wait_eintr(): asleep
 *		interruptibly for sleep_ms at most, and, as many drivers do,
 *		answers an interrupted wait with -EINTR: the reader sees it
 *	/proc/klpx_switch_timed		klpx_switch_wait_timed(): the same,
 *		but an interrupted wait restarts the read (-ERESTARTSYS)
 *	/proc/klpx_switch_freezable	klpx_switch_wait_freezable(): in
 *		wait_event_freezable() until released; restarts
 *
 * Writing anything to one of the files releases every sleeper.  The
 * parameter "waiters" counts the tasks asleep in any of the functions,
 * "interrupted" the reads that answered EINTR (busybox's cat retries
 * those, so its output alone would not tell).
 * Loaded with kthread=1, the module starts "klpx_switch_kt", a kthread
 * asleep in klpx_switch_wait_kt() until the module goes: a task that never
 * leaves and that no signal moves.  Writing to the parameter "kt_cycle"
 * makes it take one step of its loop: from klpx_switch_wait_kt() to
 * klpx_switch_kt_idle() (a function no patch replaces), or from there
 * into klpx_switch_wait_kt() again, which a patch may have replaced.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/wait.h>

/* noipa: every call goes through the symbol the patch names. */
#define KLPX_SWITCH_FN __attribute__((__noipa__))

/* Global, so that each is one symbol; declared for -Wmissing-prototypes. */
const char *klpx_switch_wait_eintr(int *ret);
const char *klpx_switch_wait_timed(int *ret);
const char *klpx_switch_wait_freezable(int *ret);
int klpx_switch_wait_kt(void);

static DECLARE_WAIT_QUEUE_HEAD(klpx_switch_wq);
static bool klpx_switch_released;
static atomic_t klpx_switch_nr_waiters = ATOMIC_INIT(0);
static atomic_t klpx_switch_nr_interrupted = ATOMIC_INIT(0);
static struct task_struct *klpx_switch_kt;
/* Bumped by each write to kt_cycle; the kthread moves on when it changes. */
static atomic_t klpx_switch_kt_gen = ATOMIC_INIT(0);

static unsigned int sleep_ms = 2000;
module_param(sleep_ms, uint, 0644);
MODULE_PARM_DESC(sleep_ms, "longest sleep of the eintr and timed files");

static bool kthread;
module_param(kthread, bool, 0444);
MODULE_PARM_DESC(kthread, "start a kthread asleep in klpx_switch_wait_kt()");

static int kt_cycle_set(const char *val, const struct kernel_param *kp)
{
	atomic_inc(&klpx_switch_kt_gen);
	wake_up_all(&klpx_switch_wq);
	return 0;
}

static int kt_cycle_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&klpx_switch_kt_gen));
}

static const struct kernel_param_ops kt_cycle_ops = {
	.set = kt_cycle_set,
	.get = kt_cycle_get,
};
module_param_cb(kt_cycle, &kt_cycle_ops, NULL, 0644);
MODULE_PARM_DESC(kt_cycle, "write: the kthread takes one step of its loop");

static int waiters_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&klpx_switch_nr_waiters));
}

static const struct kernel_param_ops waiters_ops = {
	.get = waiters_get,
};
module_param_cb(waiters, &waiters_ops, NULL, 0444);
MODULE_PARM_DESC(waiters, "tasks asleep in the functions");

static int interrupted_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&klpx_switch_nr_interrupted));
}

static const struct kernel_param_ops interrupted_ops = {
	.get = interrupted_get,
};
module_param_cb(interrupted, &interrupted_ops, NULL, 0444);
MODULE_PARM_DESC(interrupted, "reads that answered EINTR");

static bool klpx_switch_done(void)
{
	return READ_ONCE(klpx_switch_released);
}

/*
 * Asleep interruptibly for sleep_ms; woken early: @intr.  Inlined, so that
 * the sleep happens in the frame of the function a patch replaces (a
 * call here would be a tail call, leaving no frame of it).
 */
static __always_inline const char *klpx_switch_sleep(int *ret, int intr)
{
	long left;

	atomic_inc(&klpx_switch_nr_waiters);
	left = wait_event_interruptible_timeout(klpx_switch_wq,
						klpx_switch_done(),
						msecs_to_jiffies(sleep_ms));
	atomic_dec(&klpx_switch_nr_waiters);
	*ret = left < 0 ? intr : 0;
	if (*ret == -EINTR)
		atomic_inc(&klpx_switch_nr_interrupted);
	return "woke";
}

KLPX_SWITCH_FN const char *klpx_switch_wait_eintr(int *ret)
{
	return klpx_switch_sleep(ret, -EINTR);
}

KLPX_SWITCH_FN const char *klpx_switch_wait_timed(int *ret)
{
	return klpx_switch_sleep(ret, -ERESTARTSYS);
}

KLPX_SWITCH_FN const char *klpx_switch_wait_freezable(int *ret)
{
	atomic_inc(&klpx_switch_nr_waiters);
	*ret = wait_event_freezable(klpx_switch_wq, klpx_switch_done());
	atomic_dec(&klpx_switch_nr_waiters);
	return "woke";
}

/* Until the module goes, or until the next write to kt_cycle. */
static __always_inline int klpx_switch_kt_wait(void)
{
	int gen = atomic_read(&klpx_switch_kt_gen);

	return wait_event_interruptible(klpx_switch_wq,
					kthread_should_stop() ||
					atomic_read(&klpx_switch_kt_gen) != gen);
}

KLPX_SWITCH_FN int klpx_switch_wait_kt(void)
{
	int ret;

	atomic_inc(&klpx_switch_nr_waiters);
	ret = klpx_switch_kt_wait();
	atomic_dec(&klpx_switch_nr_waiters);
	return ret;
}

/* Between two steps of the loop, in code no patch replaces. */
static noinline int klpx_switch_kt_idle(void)
{
	return klpx_switch_kt_wait();
}

static int klpx_switch_kthread(void *unused)
{
	while (!kthread_should_stop()) {
		klpx_switch_wait_kt();
		if (!kthread_should_stop())
			klpx_switch_kt_idle();
	}
	return 0;
}

#define KLPX_SWITCH_FILE(name)						\
static int name##_show(struct seq_file *m, void *v)			\
{									\
	const char *what;						\
	int ret;							\
									\
	WRITE_ONCE(klpx_switch_released, false);			\
	what = klpx_switch_wait_##name(&ret);				\
	if (ret)							\
		return ret;						\
	seq_printf(m, "%s\n", what);					\
	return 0;							\
}									\
									\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	return single_open(file, name##_show, NULL);			\
}									\
									\
static const struct proc_ops name##_ops = {				\
	.proc_open = name##_open,					\
	.proc_read = seq_read,						\
	.proc_write = klpx_switch_write,				\
	.proc_lseek = seq_lseek,					\
	.proc_release = single_release,					\
}

static ssize_t klpx_switch_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	WRITE_ONCE(klpx_switch_released, true);
	wake_up_all(&klpx_switch_wq);
	return count;
}

KLPX_SWITCH_FILE(eintr);
KLPX_SWITCH_FILE(timed);
KLPX_SWITCH_FILE(freezable);

static void klpx_switch_remove(void)
{
	remove_proc_entry("klpx_switch_eintr", NULL);
	remove_proc_entry("klpx_switch_timed", NULL);
	remove_proc_entry("klpx_switch_freezable", NULL);
}

static int __init klpx_switch_init(void)
{
	if (!proc_create("klpx_switch_eintr", 0644, NULL, &eintr_ops) ||
	    !proc_create("klpx_switch_timed", 0644, NULL, &timed_ops) ||
	    !proc_create("klpx_switch_freezable", 0644, NULL, &freezable_ops)) {
		klpx_switch_remove();
		return -ENOMEM;
	}
	if (kthread) {
		klpx_switch_kt = kthread_run(klpx_switch_kthread, NULL,
					     "klpx_switch_kt");
		if (IS_ERR(klpx_switch_kt)) {
			klpx_switch_remove();
			return PTR_ERR(klpx_switch_kt);
		}
	}
	return 0;
}

static void __exit klpx_switch_exit(void)
{
	if (klpx_switch_kt)
		kthread_stop(klpx_switch_kt);
	klpx_switch_remove();
}

module_init(klpx_switch_init);
module_exit(klpx_switch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: functions tasks sleep in, for the switch tests");
