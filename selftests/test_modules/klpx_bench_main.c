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
 * klpx_bench_calls.c; this file parses them and keeps the result.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include "klpx_bench.h"

#define BENCH_RESULT_SIZE	(64 * 1024)

/* Serialises commands; guards the sets, the lookup arrays and the result. */
static DEFINE_MUTEX(bench_mutex);
static char *bench_result;
static size_t bench_result_len;

void bench_out(const char *fmt, ...)
{
	va_list args;
	int len;

	if (bench_result_len >= BENCH_RESULT_SIZE - 1)
		return;
	va_start(args, fmt);
	len = vsnprintf(bench_result + bench_result_len,
			BENCH_RESULT_SIZE - bench_result_len, fmt, args);
	va_end(args);
	bench_result_len = min_t(size_t, bench_result_len + len,
				 BENCH_RESULT_SIZE - 1);
}

void bench_sample(const char *what, const char *set, unsigned long n,
			 const char *impl, int round, u64 ns, u64 ops)
{
	bench_out("@ %s %s %lu %s %d %llu %llu\n", what, set, n, impl, round,
		  ns, ops);
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

struct bench_turns bench_turns;

void bench_turns_reset(void)
{
	memset(bench_turns.nr, 0, sizeof(bench_turns.nr));
	memset(bench_turns.total, 0, sizeof(bench_turns.total));
}

void bench_turns_add(int who, u64 ns)
{
	struct bench_turns *t = &bench_turns;

	if (t->nr[who] < BENCH_MAX_BATCHES)
		t->ns[who][t->nr[who]++] = ns;
	t->total[who] += ns;
}

/* More turns needed: someone is under the budget and there is room. */
bool bench_turns_more(int nr)
{
	bool more = false;
	int who;

	for (who = 0; who < nr; who++) {
		if (bench_turns.nr[who] >= BENCH_MAX_BATCHES)
			return false;
		more |= bench_turns.total[who] < BENCH_BUDGET_NS;
	}
	return more;
}

/* Print a round: median batch and batch size, then total time and ops. */
void bench_turns_sample(int who, const char *what, const char *set,
			       unsigned long n, const char *impl, int round,
			       u64 batch_ops)
{
	struct bench_turns *t = &bench_turns;
	unsigned int nr = t->nr[who];
	u64 med;

	if (!nr)
		return;
	sort(t->ns[who], nr, sizeof(u64), bench_cmp_u64, NULL);
	med = nr % 2 ? t->ns[who][nr / 2] :
		       (t->ns[who][nr / 2 - 1] + t->ns[who][nr / 2]) / 2;
	bench_out("@ %s %s %lu %s %d %llu %llu %llu %llu\n", what, set, n, impl,
		  round, med, batch_ops, t->total[who], batch_ops * nr);
}

/*
 * flush_scheduled_work() warns at build time on 6.12: a module that
 * flushes the system workqueue while holding a lock some work item takes
 * deadlocks.  The benchmark flushes from a debugfs write, holding nothing,
 * and must wait for work klpx queued there.
 */
static void bench_flush_system_wq(void)
{
	__flush_workqueue(system_wq);
	/* klpx's table resizes run there. */
	__flush_workqueue(system_unbound_wq);
}

/*
 * Wait until nothing is in flight: RCU frees, and the table resizes klpx
 * runs from the unbound workqueue, so that what follows is measured in a
 * steady state.
 */
void bench_settle(void)
{
	rcu_barrier();
	bench_flush_system_wq();
	/* A resize may have queued the next one, and its frees. */
	bench_flush_system_wq();
	rcu_barrier();
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	/*
	 * Upstream frees with kfree_rcu(), whose batches rcu_barrier() does
	 * not wait for: without this its variables of the last round could
	 * still be on their way back to kmalloc-64 while the next round
	 * allocates, and only upstream would pay for fresh slabs.  6.1 has no
	 * such barrier: there a batch of 1000 frees is queued after a jiffy
	 * and freed a grace period later, so it may still overlap the first
	 * chunks of a round, which the median chunk leaves out.
	 */
	kvfree_rcu_barrier();
#endif
}

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
	bench_result_len = 0;
	bench_result[0] = '\0';
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
	ret = simple_read_from_buffer(ubuf, count, ppos, bench_result,
				      bench_result_len);
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
	int i, ret;

	bench_result = vzalloc(BENCH_RESULT_SIZE);
	if (!bench_result)
		return -ENOMEM;
	for (i = 0; i < BENCH_MAX_CONTENDERS; i++) {
		bench_turns.ns[i] = kvmalloc_array(BENCH_MAX_BATCHES, sizeof(u64),
						   GFP_KERNEL);
		if (!bench_turns.ns[i]) {
			ret = -ENOMEM;
			goto err_turns;
		}
	}
	ret = bench_shadow_init();
	if (ret)
		goto err_turns;
	bench_calls_init();

	bench_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ctl", 0200, bench_dir, NULL, &bench_ctl_fops);
	debugfs_create_file("result", 0400, bench_dir, NULL,
			    &bench_result_fops);
	return 0;

err_turns:
	for (i = 0; i < BENCH_MAX_CONTENDERS; i++)
		kvfree(bench_turns.ns[i]);
	vfree(bench_result);
	return ret;
}

static void __exit bench_exit(void)
{
	int i;

	debugfs_remove_recursive(bench_dir);
	bench_calls_exit();
	bench_shadow_exit();
	for (i = 0; i < BENCH_MAX_CONTENDERS; i++)
		kvfree(bench_turns.ns[i]);
	vfree(bench_result);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx benchmark: shadow variables and redirection against the kernel's own");
