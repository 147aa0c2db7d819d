// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_bench_calls.c - calls redirected by klpx and by livepatch, a
 * stop_machine() that does nothing, and the durations of klpx's switches:
 * the commands call, stopmachine and switch of klpx_bench.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/stop_machine.h>
#include "klpx_bench.h"

#define BENCH_MAX_SWITCHES	64

/*
 * Global, so that each is one symbol the patches find by name; declared
 * here only because nothing else calls them (-Wmissing-prototypes).
 */
int klpx_bench_plain(int x);
int klpx_bench_by_klpx(int x);
int klpx_bench_by_klp(int x);

BENCH_FN int klpx_bench_plain(int x)
{
	return x + 1;
}

BENCH_FN int klpx_bench_by_klpx(int x)
{
	return x + 1;
}

BENCH_FN int klpx_bench_by_klp(int x)
{
	return x + 1;
}

/* Durations of klpx switches, seen by kprobes; guarded by the lock. */
static DEFINE_SPINLOCK(bench_switch_lock);
static u64 bench_switch_ns[BENCH_MAX_SWITCHES];
static unsigned int bench_nr_switches;
static bool bench_switch_probed;

static u64 bench_call_batch(int which, int *sum)
{
	int x = *sum, j;
	u64 t0;

	t0 = ktime_get_ns();
	switch (which) {
	case 0:
		for (j = 0; j < BENCH_BATCH; j++)
			x = klpx_bench_plain(x);
		break;
	case 1:
		for (j = 0; j < BENCH_BATCH; j++)
			x = klpx_bench_by_klpx(x);
		break;
	default:
		for (j = 0; j < BENCH_BATCH; j++)
			x = klpx_bench_by_klp(x);
		break;
	}
	t0 = ktime_get_ns() - t0;
	*sum = x;
	return t0;
}

/* Rounds of batches of the three functions in turn, as bench_gets(). */
static int bench_calls(int rounds)
{
	static const char *const fn[] = { "plain", "klpx", "klp" };
	int sum[ARRAY_SIZE(fn)];
	int r, o, which;

	for (r = 0; r < rounds; r++) {
		bench_turns_reset();
		memset(sum, 0, sizeof(sum));
		do {
			for (o = 0; o < ARRAY_SIZE(fn); o++) {
				which = (r + o) % ARRAY_SIZE(fn);
				bench_turns_add(which,
						bench_call_batch(which, &sum[which]));
			}
			cond_resched();
		} while (bench_turns_more(ARRAY_SIZE(fn)));
		for (which = 0; which < ARRAY_SIZE(fn); which++) {
			/* Every version adds one: a wrong sum means a lost call. */
			if (sum[which] != (int)(bench_turns.nr[which] * BENCH_BATCH))
				bench_out("error: %s: %d after %u calls\n", fn[which],
					  sum[which], bench_turns.nr[which] * BENCH_BATCH);
			bench_turns_sample(which, "call", "-", 0, fn[which], r,
					   BENCH_BATCH);
		}
	}
	return 0;
}

static int bench_nop(void *arg)
{
	return 0;
}

/* stop_machine() of a function that does nothing: the floor of a switch. */
static int bench_stop_machine(int rounds)
{
	u64 t0;
	int r, ret;

	for (r = 0; r < rounds; r++) {
		t0 = ktime_get_ns();
		ret = stop_machine(bench_nop, NULL, NULL);
		if (ret)
			return ret;
		bench_sample("stopmachine", "-", 0, "klpx", r,
			     ktime_get_ns() - t0, 1);
	}
	return 0;
}

static void bench_switches(void)
{
	unsigned int i, nr;

	if (!bench_switch_probed) {
		bench_out("error: no probe on klpx_switch_run\n");
		return;
	}
	spin_lock(&bench_switch_lock);
	nr = bench_nr_switches;
	spin_unlock(&bench_switch_lock);
	for (i = 0; i < nr; i++)
		bench_sample("switch", "-", 0, "klpx", i, bench_switch_ns[i], 1);
}

/*
 * The switch is timed from the entry of klpx_switch_run() to that of
 * klpx_plan_free(), which klpx calls right after it returns.  Plain
 * kprobes rather than a kretprobe: a kretprobe's trampoline on the
 * stack of the task waiting in stop_machine() would make that stack
 * unreliable for klpx's activeness check.  klpx_mutex serialises
 * switches, so one start time is enough.
 */
static u64 bench_switch_start;

static int bench_switch_entry(struct kprobe *p, struct pt_regs *regs)
{
	WRITE_ONCE(bench_switch_start, ktime_get_ns());
	return 0;
}

static int bench_switch_done(struct kprobe *p, struct pt_regs *regs)
{
	u64 start = READ_ONCE(bench_switch_start);
	unsigned long flags;

	if (!start)
		return 0;
	WRITE_ONCE(bench_switch_start, 0);
	spin_lock_irqsave(&bench_switch_lock, flags);
	if (bench_nr_switches < BENCH_MAX_SWITCHES)
		bench_switch_ns[bench_nr_switches++] = ktime_get_ns() - start;
	spin_unlock_irqrestore(&bench_switch_lock, flags);
	return 0;
}

static struct kprobe bench_switch_begin_probe = {
	.symbol_name	= "klpx_switch_run",
	.pre_handler	= bench_switch_entry,
};

static struct kprobe bench_switch_end_probe = {
	.symbol_name	= "klpx_plan_free",
	.pre_handler	= bench_switch_done,
};

static struct kprobe *bench_switch_probes[] = {
	&bench_switch_begin_probe,
	&bench_switch_end_probe,
};

/* The commands of calls and switches; -ENOENT for any other. */
int bench_calls_run(int argc, char **argv)
{
	unsigned long a = 0;

	if (!strcmp(argv[0], "stopmachine") && argc == 2 &&
	    !kstrtoul(argv[1], 0, &a) && a && a <= BENCH_MAX_ROUNDS)
		return bench_stop_machine(a);
	if (!strcmp(argv[0], "switch")) {
		bench_switches();
		return 0;
	}
	if (!strcmp(argv[0], "call") && argc == 2 && !kstrtoul(argv[1], 0, &a) &&
	    a && a <= BENCH_MAX_ROUNDS)
		return bench_calls(a);
	return -ENOENT;
}

void bench_calls_init(void)
{
	int ret;

	/* Without the probe the switch time is missing, nothing else. */
	ret = register_kprobes(bench_switch_probes,
			       ARRAY_SIZE(bench_switch_probes));
	if (ret)
		pr_warn("cannot probe klpx_switch_run/klpx_plan_free: %d; no switch times\n",
			ret);
	bench_switch_probed = !ret;
}

void bench_calls_exit(void)
{
	if (bench_switch_probed)
		unregister_kprobes(bench_switch_probes,
				   ARRAY_SIZE(bench_switch_probes));
}
