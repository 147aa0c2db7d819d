// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_switch_eos - a kthread asleep in klpx_eos_wait(), called from
 * an assembly frame whose unwind data says "end of stack"
 * (klpx_test_switch_eos_entry.S), as 6.1's retpoline and ITS thunks and
 * return_to_handler say it.  The kernel's unwinder ends the walk there
 * with success, short of ret_from_fork and of the kthread's frames below:
 * a trace that must not count as reliable.  Writing anything to "stop"
 * ends the kthread.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(eos_wq);
static bool eos_stop;
static struct task_struct *eos_task;

void klpx_eos_entry(void);

/* The function a patch replaces; the kthread sleeps in it. */
noinline int klpx_eos_wait(void)
{
	return wait_event_interruptible(eos_wq, READ_ONCE(eos_stop));
}
EXPORT_SYMBOL_GPL(klpx_eos_wait);

static int eos_thread(void *unused)
{
	klpx_eos_entry();
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

static int stop_set(const char *val, const struct kernel_param *kp)
{
	WRITE_ONCE(eos_stop, true);
	wake_up_all(&eos_wq);
	return 0;
}

static const struct kernel_param_ops stop_ops = {
	.set = stop_set,
};
module_param_cb(stop, &stop_ops, NULL, 0200);
MODULE_PARM_DESC(stop, "write anything: the kthread leaves klpx_eos_wait()");

static int __init eos_init(void)
{
	eos_task = kthread_run(eos_thread, NULL, "klpx_eos");
	return PTR_ERR_OR_ZERO(eos_task);
}

static void __exit eos_exit(void)
{
	stop_set(NULL, NULL);
	kthread_stop(eos_task);
}

module_init(eos_init);
module_exit(eos_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: a sleeper whose trace ends early at an end-of-stack hint");
