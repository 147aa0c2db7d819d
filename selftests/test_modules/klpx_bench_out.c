// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_bench_out.c - what the commands of klpx_bench print, and the timed
 * batches they take in turn: the result buffer that the "result" file
 * reads, each measurement's line, the median of a round's batches, and
 * the wait for a steady state between measurements.  Called by
 * klpx_bench_shadow.c, klpx_bench_calls.c and klpx_bench_main.c; calls
 * none of them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include "klpx_bench.h"

#define BENCH_RESULT_SIZE	(64 * 1024)

/* What the last command printed; guarded by klpx_bench_main.c's mutex. */
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

/* Forget what the last command printed. */
void bench_out_reset(void)
{
	bench_result_len = 0;
	bench_result[0] = '\0';
}

/* Copy what the last command printed to a reader of "result". */
ssize_t bench_out_read(char __user *ubuf, size_t count, loff_t *ppos)
{
	return simple_read_from_buffer(ubuf, count, ppos, bench_result,
				       bench_result_len);
}

int bench_out_init(void)
{
	int i;

	bench_result = vzalloc(BENCH_RESULT_SIZE);
	if (!bench_result)
		return -ENOMEM;
	for (i = 0; i < BENCH_MAX_CONTENDERS; i++) {
		bench_turns.ns[i] = kvmalloc_array(BENCH_MAX_BATCHES, sizeof(u64),
						   GFP_KERNEL);
		if (!bench_turns.ns[i]) {
			bench_out_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

void bench_out_exit(void)
{
	int i;

	for (i = 0; i < BENCH_MAX_CONTENDERS; i++) {
		kvfree(bench_turns.ns[i]);
		bench_turns.ns[i] = NULL;
	}
	vfree(bench_result);
	bench_result = NULL;
}
