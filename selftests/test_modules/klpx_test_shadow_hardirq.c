// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_shadow_hardirq - klpx_shadow_get() from a hard hrtimer while
 * the id's table grows and shrinks underneath.
 *
 * On PREEMPT_RT the id's spinlock_t is a sleeping lock: a reader in hard
 * IRQ context must never take it, nor wait for anything that can be
 * preempted.  The timer (HRTIMER_MODE_REL_PINNED_HARD, so it expires in
 * hard IRQ context on RT too) looks up variables that always exist and
 * objects that never have one, and counts what it gets; process context
 * meanwhile creates and frees thousands of variables, so that resizes run
 * (and move variables) while the timer fires.  On other kernels the same
 * test runs, with hard IRQ context being what it always was.
 *
 * Everything happens in the module's init; it fails the load with -EIO
 * and one log line if a lookup was wrong, and logs a summary that does not
 * depend on timing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/klpx.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>

#define HARDIRQ_STABLE		64	/* variables that live throughout */
#define HARDIRQ_CHURN		8192	/* variables made and freed per cycle */
#define HARDIRQ_CYCLES		6
#define HARDIRQ_PERIOD_NS	(50 * NSEC_PER_USEC)

static unsigned int cycles = HARDIRQ_CYCLES;
module_param(cycles, uint, 0444);
MODULE_PARM_DESC(cycles, "grow/shrink cycles of the table");

/* Objects are keys only, never dereferenced: addresses in a private range. */
static char stable_objs[HARDIRQ_STABLE];
static char churn_objs[HARDIRQ_CHURN];
static char absent_objs[HARDIRQ_STABLE];

static struct klpx_shadow_type hardirq_type = {
	.id = 0x6b6c7880,
	.name = "klpx_test_hardirq",
	.size = sizeof(unsigned long),
};

/**
 * struct hardirq_reader - what the timer saw
 * @timer:	the hard hrtimer
 * @stop:	set by process context: do not restart
 * @runs:	expiries
 * @not_hardirq: expiries that were not in hard IRQ context
 * @found:	lookups of a stable object that found its variable
 * @lost:	lookups of a stable object that found nothing
 * @wrong:	lookups that returned another object's variable, or a
 *		variable for an object that has none
 */
struct hardirq_reader {
	struct hrtimer timer;
	atomic_t stop;
	atomic_long_t runs;
	atomic_long_t not_hardirq;
	atomic_long_t found;
	atomic_long_t lost;
	atomic_long_t wrong;
};

static struct hardirq_reader reader;

static enum hrtimer_restart hardirq_read(struct hrtimer *t)
{
	struct hardirq_reader *r = container_of(t, struct hardirq_reader, timer);
	unsigned long *v;
	int i;

	atomic_long_inc(&r->runs);
	if (!in_hardirq())
		atomic_long_inc(&r->not_hardirq);
	for (i = 0; i < HARDIRQ_STABLE; i++) {
		v = klpx_shadow_get(&stable_objs[i], &hardirq_type);
		if (!v)
			atomic_long_inc(&r->lost);
		else if (*v != (unsigned long)&stable_objs[i])
			atomic_long_inc(&r->wrong);
		else
			atomic_long_inc(&r->found);
		/* a miss goes the slow way, the one that may retry */
		if (klpx_shadow_get(&absent_objs[i], &hardirq_type))
			atomic_long_inc(&r->wrong);
	}
	if (atomic_read(&r->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(HARDIRQ_PERIOD_NS));
	return HRTIMER_RESTART;
}

static int hardirq_fill(char *objs, unsigned int n)
{
	unsigned long *v;
	unsigned int i;

	for (i = 0; i < n; i++) {
		v = klpx_shadow_alloc(&objs[i], &hardirq_type, GFP_KERNEL, NULL);
		if (!v) {
			pr_err("cannot create variable %u of %u\n", i, n);
			return -ENOMEM;
		}
		*v = (unsigned long)&objs[i];
	}
	return 0;
}

static int __init hardirq_init(void)
{
	unsigned long runs_before;
	unsigned int c, i;
	ktime_t deadline;
	int ret;

	ret = klpx_shadow_register(&hardirq_type);
	if (ret) {
		pr_err("cannot register %s: error %d\n", hardirq_type.name, ret);
		return ret;
	}
	ret = hardirq_fill(stable_objs, HARDIRQ_STABLE);
	if (ret)
		goto out;

	hrtimer_init(&reader.timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_REL_PINNED_HARD);
	reader.timer.function = hardirq_read;
	hrtimer_start(&reader.timer, ns_to_ktime(HARDIRQ_PERIOD_NS),
		      HRTIMER_MODE_REL_PINNED_HARD);

	for (c = 0; c < cycles && !ret; c++) {
		/* grows 16 -> 16384 chains and back, one resize at a time */
		ret = hardirq_fill(churn_objs, HARDIRQ_CHURN);
		for (i = 0; i < HARDIRQ_CHURN; i++) {
			klpx_shadow_free(&churn_objs[i], &hardirq_type);
			if (!(i % 256))
				cond_resched();
		}
	}
	/* two more expiries after the last change, within seconds */
	runs_before = atomic_long_read(&reader.runs);
	deadline = ktime_add_ms(ktime_get(), 10 * MSEC_PER_SEC);
	while (atomic_long_read(&reader.runs) < runs_before + 2 &&
	       ktime_before(ktime_get(), deadline))
		cond_resched();
	atomic_set(&reader.stop, 1);
	hrtimer_cancel(&reader.timer);
	if (ret)
		goto out;
	if (atomic_long_read(&reader.runs) < runs_before + 2) {
		pr_err("the hard hrtimer stopped firing after %ld runs\n",
		       atomic_long_read(&reader.runs));
		ret = -EIO;
		goto out;
	}

	if (atomic_long_read(&reader.not_hardirq) ||
	    atomic_long_read(&reader.lost) || atomic_long_read(&reader.wrong)) {
		pr_err("hard IRQ lookups went wrong: %ld of %ld runs not in hard IRQ, %ld lost, %ld wrong\n",
		       atomic_long_read(&reader.not_hardirq),
		       atomic_long_read(&reader.runs),
		       atomic_long_read(&reader.lost),
		       atomic_long_read(&reader.wrong));
		ret = -EIO;
		goto out;
	}
	pr_info("%u grow/shrink cycles of %u variables under a hard hrtimer reader: every lookup right\n",
		cycles, HARDIRQ_CHURN);
	pr_info("count=%zu\n", klpx_shadow_count(&hardirq_type));
	return 0;
out:
	klpx_shadow_unregister(&hardirq_type);
	return ret;
}

static void __exit hardirq_exit(void)
{
	klpx_shadow_unregister(&hardirq_type);
}

module_init(hardirq_init);
module_exit(hardirq_exit);
MODULE_DESCRIPTION("klpx test: klpx_shadow_get() from a hard hrtimer during resizes");
MODULE_LICENSE("GPL");
