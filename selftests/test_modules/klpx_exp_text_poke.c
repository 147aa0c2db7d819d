// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_exp_text_poke - cross-CPU code changes under running threads,
 * without klpx: a reproducer for the emulator's text-patching faults.
 *
 * One kernel thread per online CPU, pinned there, runs a site in a tight
 * loop.  The module's init changes that site's code again and again, from
 * whichever CPU insmod runs on, through the kernel's own text patching
 * (text_poke_bp(): an int3 first, then the rest, with a serialising IPI
 * to every CPU after each stage):
 *
 *  - mode=key: static_branch_enable()/disable() of a key the loop tests;
 *  - mode=ftrace: register/unregister_ftrace_function() of an ops that
 *    traces the function the loop calls (a NOP turned into a call and
 *    back, as a redirection's enable and disable do).
 *
 * After each change returns, the module publishes a new epoch.  A thread
 * that reads that epoch and then runs the site must run the new code: the
 * change has already made every CPU serialise its instruction stream.  So
 * each thread reports (epoch, what the site did), and the init waits for
 * every thread to report the current epoch:
 *
 *  - "stale" counts reports of the old code for the current epoch: a CPU
 *    that kept running code memory no longer holds;
 *  - "late" counts threads that did not report within two seconds (a CPU
 *    stuck, e.g. rewinding over an int3 that memory no longer holds).
 *
 * Parameters (at load): mode, toggles (changes, at most), seconds (time
 * limit for the changes).  Read-only afterwards: done, stale, late.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/jiffies.h>
#include <linux/jump_label.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#define EXP_MAX_CPUS 8
#define EXP_WAIT_MS 2000
#define EXP_REPORTS 5

static char *mode = "key";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "what changes the code: key or ftrace");

static int toggles = 2000;
module_param(toggles, int, 0444);
MODULE_PARM_DESC(toggles, "how many code changes, at most");

static int seconds = 15;
module_param(seconds, int, 0444);
MODULE_PARM_DESC(seconds, "time limit for the changes");

static int done, stale, late;
module_param(done, int, 0444);
MODULE_PARM_DESC(done, "code changes made");
module_param(stale, int, 0444);
MODULE_PARM_DESC(stale, "a thread ran the old code after a change returned");
module_param(late, int, 0444);
MODULE_PARM_DESC(late, "a thread did not answer within two seconds");

static DEFINE_STATIC_KEY_FALSE(exp_key);
static DEFINE_PER_CPU(unsigned long, exp_hits);
static bool exp_ftrace;

/* Published (release) after each change has returned. */
static unsigned long exp_epoch;

/**
 * struct exp_thread - one pinned thread
 * @task:	the kthread, bound to @cpu
 * @cpu:	where it runs
 * @ack:	(epoch << 1) | whether the site ran its changed code; written
 *		by the thread only, read by the init
 */
struct exp_thread {
	struct task_struct *task;
	unsigned int cpu;
	unsigned long ack;
};

static struct exp_thread exp_threads[EXP_MAX_CPUS];
static unsigned int exp_nthreads;

/* Global, so that ftrace finds it by name; nothing else calls it. */
void klpx_exp_text_poke_hot(void);

/**
 * klpx_exp_text_poke_hot() - the function ftrace mode traces
 *
 * Its fentry NOP is the site the threads run in ftrace mode.
 *
 * Context: any.
 */
noinline __attribute__((__noipa__)) void klpx_exp_text_poke_hot(void)
{
	barrier();
}

static void exp_ftrace_func(unsigned long ip, unsigned long parent_ip,
			    struct ftrace_ops *ops, struct ftrace_regs *fregs)
{
	this_cpu_inc(exp_hits);
}

static struct ftrace_ops exp_ops = {
	.func = exp_ftrace_func,
};

/* Run the site once: did it run the changed code? */
static bool exp_site(void)
{
	unsigned long before;

	if (!exp_ftrace)
		return static_branch_unlikely(&exp_key);
	before = this_cpu_read(exp_hits);
	klpx_exp_text_poke_hot();
	return this_cpu_read(exp_hits) != before;
}

static int exp_thread_fn(void *data)
{
	struct exp_thread *th = data;
	unsigned long epoch, n = 0;
	bool changed;

	while (!kthread_should_stop()) {
		/* Pairs with the release in exp_init(): the change is done. */
		epoch = smp_load_acquire(&exp_epoch);
		changed = exp_site();
		/* Pairs with the acquire in exp_check(): this pass came after. */
		smp_store_release(&th->ack, epoch << 1 | changed);
		if (!(++n % 256))
			cond_resched();
		/* RCU-tasks, which ftrace waits for, needs a sleep now and then. */
		if (!(n % 8192))
			usleep_range(50, 100);
	}
	return 0;
}

static int exp_change(bool on)
{
	if (!exp_ftrace) {
		if (on)
			static_branch_enable(&exp_key);
		else
			static_branch_disable(&exp_key);
		return 0;
	}
	return on ? register_ftrace_function(&exp_ops) :
		    unregister_ftrace_function(&exp_ops);
}

/* Wait until every thread ran the site at @epoch; count what was wrong. */
static void exp_check(unsigned long epoch, bool on)
{
	unsigned long deadline, ack;
	unsigned int i;

	for (i = 0; i < exp_nthreads; i++) {
		struct exp_thread *th = &exp_threads[i];

		deadline = jiffies + msecs_to_jiffies(EXP_WAIT_MS);
		/* Pairs with the release in exp_thread_fn(). */
		while ((ack = smp_load_acquire(&th->ack)) >> 1 != epoch &&
		       time_before(jiffies, deadline))
			usleep_range(100, 200);
		if (ack >> 1 != epoch) {
			if (late++ < EXP_REPORTS)
				pr_err("CPU%u: no pass through the site %d ms after change %lu\n",
				       th->cpu, EXP_WAIT_MS, epoch);
		} else if ((ack & 1) != on) {
			if (stale++ < EXP_REPORTS)
				pr_err("CPU%u: ran the %s code after change %lu had returned (stale code)\n",
				       th->cpu, on ? "old (off)" : "old (on)",
				       epoch);
		}
	}
}

static void exp_stop_threads(void)
{
	unsigned int i;

	for (i = 0; i < exp_nthreads; i++)
		kthread_stop(exp_threads[i].task);
	exp_nthreads = 0;
}

static int __init exp_init(void)
{
	unsigned long end = jiffies + seconds * HZ;
	struct task_struct *t;
	unsigned int cpu;
	bool on = false;
	int ret;

	if (!strcmp(mode, "ftrace")) {
		exp_ftrace = true;
		ret = ftrace_set_filter_ip(&exp_ops,
					   (unsigned long)klpx_exp_text_poke_hot,
					   0, 0);
		if (ret) {
			pr_err("cannot trace klpx_exp_text_poke_hot: %d\n", ret);
			return ret;
		}
	} else if (strcmp(mode, "key")) {
		pr_err("mode is key or ftrace, not '%s'\n", mode);
		return -EINVAL;
	}

	for_each_online_cpu(cpu) {
		if (exp_nthreads == EXP_MAX_CPUS)
			break;
		t = kthread_create(exp_thread_fn, &exp_threads[exp_nthreads],
				   "klpx_exp/%u", cpu);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			pr_err("cannot start the thread of CPU%u: %d\n", cpu, ret);
			goto out_threads;
		}
		kthread_bind(t, cpu);
		exp_threads[exp_nthreads].task = t;
		exp_threads[exp_nthreads].cpu = cpu;
		exp_nthreads++;
		wake_up_process(t);
	}

	while (done < toggles && time_before(jiffies, end)) {
		on = !on;
		ret = exp_change(on);
		if (ret) {
			pr_err("change %d (%s) failed: %d\n", done + 1,
			       on ? "on" : "off", ret);
			on = !on;
			goto out_off;
		}
		done++;
		/* Pairs with the acquire in exp_thread_fn(). */
		smp_store_release(&exp_epoch, done);
		exp_check(done, on);
	}
	ret = 0;
	pr_info("mode %s: %d changes, %d stale, %d late\n", mode, done, stale,
		late);
out_off:
	if (on)
		exp_change(false);
out_threads:
	exp_stop_threads();
	if (exp_ftrace)
		ftrace_free_filter(&exp_ops);
	return ret;
}

static void __exit exp_exit(void)
{
}

module_init(exp_init);
module_exit(exp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx experiment: code changes under pinned threads");
