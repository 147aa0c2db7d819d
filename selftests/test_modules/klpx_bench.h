/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klpx_bench.h - what the parts of the klpx_bench module share: the
 * result buffer, timed batches taken in turn, and each part's commands.
 *
 *	klpx_bench_main.c	the debugfs files and the command line
 *	klpx_bench_out.c	the result, batches in turn, settling
 *	klpx_bench_shadow.c	shadow variables: fill, get, miss, resize,
 *				create, clear, freeall, gc
 *	klpx_bench_calls.c	redirected calls, stop_machine() and the
 *				durations of klpx's switches
 */
#ifndef _KLPX_BENCH_H
#define _KLPX_BENCH_H

#include <linux/types.h>

/* Operations per timed batch; the implementations take turns by batch. */
#define BENCH_BATCH		512
#define BENCH_BUDGET_NS		(40 * NSEC_PER_MSEC)
/* Batches kept per contender and round, for the median. */
#define BENCH_MAX_BATCHES	2048
#define BENCH_MAX_CONTENDERS	3
#define BENCH_MAX_N		(4UL * 1000 * 1000)
#define BENCH_MAX_ROUNDS	31

/*
 * Trivial functions to redirect.  noipa: never inlined, cloned or assumed
 * about, so every call in the loop goes through the patched entry.
 */
#define BENCH_FN __attribute__((__noipa__))

/**
 * struct bench_turns - timed batches of several contenders taking turns
 * @ns:		time of each batch, per contender
 * @nr:		batches timed, per contender
 * @total:	their sum, per contender
 *
 * The figure of a round is the median batch: a batch during which the
 * host did not run the guest's CPU at all (QEMU shares the machine) is an
 * outlier, not a cost of the code under test.  The sum is printed too.
 */
struct bench_turns {
	u64 *ns[BENCH_MAX_CONTENDERS];
	unsigned int nr[BENCH_MAX_CONTENDERS];
	u64 total[BENCH_MAX_CONTENDERS];
};

extern struct bench_turns bench_turns;

/* klpx_bench_out.c, called under the command mutex */
__printf(1, 2) void bench_out(const char *fmt, ...);
void bench_sample(const char *what, const char *set, unsigned long n,
		  const char *impl, int round, u64 ns, u64 ops);
void bench_turns_reset(void);
void bench_turns_add(int who, u64 ns);
bool bench_turns_more(int nr);
void bench_turns_sample(int who, const char *what, const char *set,
			unsigned long n, const char *impl, int round,
			u64 batch_ops);
void bench_settle(void);
void bench_out_reset(void);
ssize_t bench_out_read(char __user *ubuf, size_t count, loff_t *ppos);
int bench_out_init(void);
void bench_out_exit(void);

/*
 * Each part: its command, or -ENOENT when the command is not one of its
 * own; its set-up at init and its clean-up at exit.
 */
int bench_shadow_run(int argc, char **argv);
int bench_shadow_init(void);
void bench_shadow_exit(void);
int bench_calls_run(int argc, char **argv);
void bench_calls_init(void);
void bench_calls_exit(void);

#endif /* _KLPX_BENCH_H */
