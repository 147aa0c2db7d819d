// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_target - a module whose functions the core tests patch.
 *
 * Reading /proc/klpx_target calls each patchable function and prints what
 * it returned:
 *
 *	greeting: <klpx_target_greeting()>
 *	version: <klpx_target_version()>
 *	items: <klpx_target_item_value(item)> for each of the live items
 *	counter: <klpx_target_counter()>
 *
 * Reading /proc/klpx_target_wait sleeps inside klpx_target_wait() until
 * something is written to that file; the parameter "waiters" counts the
 * tasks asleep there.  A signal interrupts the read, which then restarts.
 * Loaded with kthread=1, the module also starts a kthread,
 * "klpx_target_kt", that sleeps in klpx_target_wait() until the file is
 * written: a task no signal moves.
 *
 * The init logs the greeting: a patch applied while the module loads is in
 * place before the init runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/wait.h>
#include "klpx_target.h"

/*
 * noipa: no inlining, no cloning, no assumptions about the result, so
 * that every call goes through the symbol the patches name.
 */
#define KLPX_TARGET_FN __attribute__((__noipa__))

/*
 * Global, so that each is one symbol the patches find by name; declared
 * here only because nothing else calls them (-Wmissing-prototypes).
 */
const char *klpx_target_greeting(void);
int klpx_target_version(void);
int klpx_target_item_value(struct klpx_target_item *item);
long klpx_target_counter(void);
void klpx_target_wait(void);

static struct klpx_target_item klpx_target_items[KLPX_TARGET_NR_ITEMS];

static DECLARE_WAIT_QUEUE_HEAD(klpx_target_wq);
static bool klpx_target_released;
static atomic_t klpx_target_nr_waiters = ATOMIC_INIT(0);

static int waiters_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&klpx_target_nr_waiters));
}

static const struct kernel_param_ops waiters_ops = {
	.get = waiters_get,
};
module_param_cb(waiters, &waiters_ops, NULL, 0444);
MODULE_PARM_DESC(waiters, "tasks asleep in klpx_target_wait()");

static bool kthread;
module_param(kthread, bool, 0444);
MODULE_PARM_DESC(kthread, "start a kthread asleep in klpx_target_wait()");

static struct task_struct *klpx_target_kt;

KLPX_TARGET_FN const char *klpx_target_greeting(void)
{
	return "hello from the original";
}

KLPX_TARGET_FN int klpx_target_version(void)
{
	return 0;
}

KLPX_TARGET_FN int klpx_target_item_value(struct klpx_target_item *item)
{
	return item->value;
}

KLPX_TARGET_FN long klpx_target_counter(void)
{
	return -1;
}

KLPX_TARGET_FN int klpx_target_wait(void)
{
	int ret;

	atomic_inc(&klpx_target_nr_waiters);
	ret = wait_event_interruptible(klpx_target_wq,
				       READ_ONCE(klpx_target_released));
	atomic_dec(&klpx_target_nr_waiters);
	return ret;
}

static int klpx_target_kthread(void *unused)
{
	klpx_target_wait();
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static int klpx_target_show(struct seq_file *m, void *v)
{
	int i;

	seq_printf(m, "greeting: %s\n", klpx_target_greeting());
	seq_printf(m, "version: %d\n", klpx_target_version());
	seq_puts(m, "items:");
	for (i = 0; i < KLPX_TARGET_NR_ITEMS; i++)
		seq_printf(m, " %d", klpx_target_item_value(&klpx_target_items[i]));
	seq_printf(m, "\ncounter: %ld\n", klpx_target_counter());
	return 0;
}

static int klpx_target_wait_show(struct seq_file *m, void *v)
{
	int ret;

	WRITE_ONCE(klpx_target_released, false);
	ret = klpx_target_wait();
	if (ret)
		return ret;
	seq_puts(m, "released\n");
	return 0;
}

static int klpx_target_wait_open(struct inode *inode, struct file *file)
{
	return single_open(file, klpx_target_wait_show, NULL);
}

static ssize_t klpx_target_wait_write(struct file *file, const char __user *buf,
				      size_t count, loff_t *ppos)
{
	WRITE_ONCE(klpx_target_released, true);
	wake_up_all(&klpx_target_wq);
	return count;
}

static const struct proc_ops klpx_target_wait_ops = {
	.proc_open = klpx_target_wait_open,
	.proc_read = seq_read,
	.proc_write = klpx_target_wait_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int __init klpx_target_init(void)
{
	int i;

	for (i = 0; i < KLPX_TARGET_NR_ITEMS; i++) {
		klpx_target_items[i].id = i + 1;
		klpx_target_items[i].value = i + 1;
	}
	if (!proc_create_single("klpx_target", 0444, NULL, klpx_target_show))
		return -ENOMEM;
	if (!proc_create("klpx_target_wait", 0644, NULL,
			 &klpx_target_wait_ops)) {
		remove_proc_entry("klpx_target", NULL);
		return -ENOMEM;
	}
	if (kthread) {
		klpx_target_kt = kthread_run(klpx_target_kthread, NULL,
					     "klpx_target_kt");
		if (IS_ERR(klpx_target_kt)) {
			remove_proc_entry("klpx_target_wait", NULL);
			remove_proc_entry("klpx_target", NULL);
			return PTR_ERR(klpx_target_kt);
		}
	}
	pr_info("init: greeting: %s\n", klpx_target_greeting());
	return 0;
}

static void __exit klpx_target_exit(void)
{
	if (klpx_target_kt) {
		WRITE_ONCE(klpx_target_released, true);
		wake_up_all(&klpx_target_wq);
		kthread_stop(klpx_target_kt);
	}
	remove_proc_entry("klpx_target_wait", NULL);
	remove_proc_entry("klpx_target", NULL);
}

module_init(klpx_target_init);
module_exit(klpx_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: functions for the core tests to patch");
