// SPDX-License-Identifier: GPL-2.0
/*
 * The test driver: runs every case (or those whose name contains -f) in a
 * child process, prints TAP, and writes "<passed> <failed> <skipped>" to
 * the file given with -r.
 *
 *   klpx_test [-s seed] [-f filter] [-r resultfile] [-o outcomes] [-t timeout] [-l] [-v]
 *
 * -o writes one line per case, "ok|fail|skip <name>", for a runner that
 * merges the runs of one case under several sanitizers.  -x stops after
 * the first failing case (the mutation tier needs only one).
 *
 * The seed (printed first) makes every case's random choices repeatable;
 * KLPX_TEST_SEED in the environment sets it too.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/rcupdate.h>
#include <linux/klpx.h>
#include <shim.h>

#include "harness.h"
#include "shadow.h"

#define KT_EXIT_PASS		0
#define KT_EXIT_FAIL		1
#define KT_EXIT_SKIP		77

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KT_TSAN 1
#endif
#endif

#ifndef KT_SCALE_DIV
#define KT_SCALE_DIV		1
#endif

static struct kt_case *kt_cases;
static unsigned int kt_nr_cases;
static uint64_t kt_the_seed;
static const struct kt_case *kt_running;
static unsigned long kt_failures;

void kt_register(struct kt_case *c)
{
	c->next = kt_cases;
	kt_cases = c;
	kt_nr_cases++;
}

void kt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&kt_failures, 1, __ATOMIC_SEQ_CST);
	flockfile(stdout);
	printf("#   FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	funlockfile(stdout);
	fflush(stdout);
}

void kt_abort(void)
{
	fflush(stdout);
	_exit(KT_EXIT_FAIL);
}

void kt_skip(const char *why)
{
	printf("#   skip: %s\n", why);
	fflush(stdout);
	_exit(KT_EXIT_SKIP);
}

void kt_info(const char *fmt, ...)
{
	va_list ap;

	flockfile(stdout);
	printf("#   ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	funlockfile(stdout);
	fflush(stdout);
}

uint64_t kt_seed(void)
{
	return kt_the_seed;
}

static uint64_t kt_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

void kt_rng_init(struct kt_rng *r, uint64_t salt)
{
	uint64_t h = 1469598103934665603ULL;
	const char *p = kt_running ? kt_running->name : "";

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	r->s = kt_mix(kt_the_seed ^ h ^ kt_mix(salt + 1));
	if (!r->s)
		r->s = 1;
}

uint64_t kt_rand(struct kt_rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ULL;
}

uint64_t kt_rand_below(struct kt_rng *r, uint64_t n)
{
	return n ? kt_rand(r) % n : 0;
}

unsigned long kt_scaled(unsigned long n)
{
	const char *env = getenv("KLPX_TEST_SCALE");
	double f = env ? strtod(env, NULL) : 1.0;
	unsigned long r;

	if (f <= 0)
		f = 1.0;
	r = (unsigned long)((double)n * f / KT_SCALE_DIV);
	return r ? r : 1;
}

bool kt_wait_step(unsigned long *spins)
{
	struct timespec ts = { 0, 100000 };	/* 0.1 ms */

	if (++*spins < 1000) {
		sched_yield();
		return true;
	}
	nanosleep(&ts, NULL);
	/* about a minute of polling */
	return *spins < 1000 + 600000;
}

static void kt_count_class(const struct klpx_shadow_stat *st, void *arg)
{
	unsigned long *n = arg;

	printf("#   FAIL: id %lu (%s) still registered, %u registrations, %zu variables\n",
	       st->id, st->name, st->refs, st->live);
	(*n)++;
}

/* the checks every case gets after it returns */
static void kt_after_case(void)
{
	unsigned long left = 0, n;
	long live;

	klpx_shadow_walk_classes(kt_count_class, &left);
	if (left) {
		kt_failures++;
		klpx_shadow_exit();
	}
	rcu_barrier();
	shim_workqueue_drain();
	rcu_barrier();

	live = shim_alloc_live_total();
	if (live) {
		kt_failures++;
		printf("#   FAIL: %ld allocations still live after the case:\n", live);
		shim_alloc_dump_live(stdout);
	}
	n = shim_warn_pending();
	if (n) {
		kt_failures++;
		printf("#   FAIL: %lu unexpected WARN(s)\n", n);
	}
	n = shim_splat_pending();
	if (n) {
		kt_failures++;
		printf("#   FAIL: %lu locking/RCU rule violation(s)\n", n);
	}
}

static int kt_child(const struct kt_case *c, unsigned int timeout)
{
	struct kt_rng r;

	alarm(timeout);
	kt_running = c;
	/* the case's schedule perturbations follow from the printed seed */
	kt_rng_init(&r, 0x5ced);
	shim_sched_seed(kt_rand(&r) | 1);
	shim_thread_enter();
	/*
	 * Tables at the size their counts ask for: the cases that check
	 * sizes and chains count on it.  Those of the lower load of small
	 * tables set the allowance themselves.
	 */
	klpx_shadow_boost_allowance = 0;
	c->fn();
	kt_after_case();
	if (kt_failures) {
		printf("#   kernel log (last lines):\n");
		shim_log_dump(stdout, 40);
	}
	fflush(stdout);
	shim_thread_exit();
	return kt_failures ? KT_EXIT_FAIL : KT_EXIT_PASS;
}

static int kt_cmp(const void *a, const void *b)
{
	const struct kt_case *x = *(const struct kt_case **)a;
	const struct kt_case *y = *(const struct kt_case **)b;

	return strcmp(x->name, y->name);
}

static void kt_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-s seed] [-f filter] [-r resultfile] [-o outcomes] [-t timeout] [-l] [-v] [-x]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *filter = NULL, *result = NULL, *outcomes = NULL, *env;
	FILE *of = NULL;
	unsigned int timeout = 120, i, nr = 0;
	unsigned int passed = 0, failed = 0, skipped = 0;
	struct kt_case **cases, *c;
	bool list = false, first_failure = false;
	int opt;

	env = getenv("KLPX_TEST_SEED");
	kt_the_seed = env ? strtoull(env, NULL, 0) :
		      (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((opt = getopt(argc, argv, "s:f:r:o:t:lvx")) != -1) {
		switch (opt) {
		case 's':
			kt_the_seed = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			filter = optarg;
			break;
		case 'r':
			result = optarg;
			break;
		case 'o':
			outcomes = optarg;
			break;
		case 't':
			timeout = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'l':
			list = true;
			break;
		case 'x':
			first_failure = true;
			break;
		case 'v':
			setenv("KLPX_SHIM_VERBOSE", "1", 1);
			break;
		default:
			kt_usage(argv[0]);
		}
	}

	cases = calloc(kt_nr_cases, sizeof(*cases));
	if (!cases)
		return 2;
	for (c = kt_cases; c; c = c->next)
		if (!filter || strstr(c->name, filter))
			cases[nr++] = c;
	qsort(cases, nr, sizeof(*cases), kt_cmp);
	if (list) {
		for (i = 0; i < nr; i++)
			printf("%s\n", cases[i]->name);
		free(cases);
		return 0;
	}

	if (outcomes) {
		of = fopen(outcomes, "w");
		if (!of) {
			perror(outcomes);
			return 2;
		}
	}
	printf("TAP version 13\n# %s seed=%llu (rerun: %s -s %llu)\n1..%u\n",
	       argv[0], (unsigned long long)kt_the_seed, argv[0],
	       (unsigned long long)kt_the_seed, nr);
	fflush(stdout);
	for (i = 0; i < nr; i++) {
		struct timespec t0, t1;
		int status;
		pid_t pid;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
#ifdef KT_TSAN
			/* through exit(): TSan fails the case if it reported */
			exit(kt_child(cases[i], timeout));
#else
			_exit(kt_child(cases[i], timeout));
#endif
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (WIFEXITED(status) && WEXITSTATUS(status) == KT_EXIT_PASS) {
			passed++;
			printf("ok %u - %s", i + 1, cases[i]->name);
			if (of)
				fprintf(of, "ok %s\n", cases[i]->name);
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == KT_EXIT_SKIP) {
			skipped++;
			printf("ok %u - %s # SKIP", i + 1, cases[i]->name);
			if (of)
				fprintf(of, "skip %s\n", cases[i]->name);
		} else {
			failed++;
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
				printf("#   timed out after %u s\n", timeout);
			else if (WIFSIGNALED(status))
				printf("#   killed by signal %d\n", WTERMSIG(status));
			printf("not ok %u - %s", i + 1, cases[i]->name);
			if (of)
				fprintf(of, "fail %s\n", cases[i]->name);
		}
		printf(" (%.2f s)\n", (double)(t1.tv_sec - t0.tv_sec) +
				       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		fflush(stdout);
		if (of)
			fflush(of);
		if (first_failure && failed)
			break;
	}
	if (of && fclose(of)) {
		perror(outcomes);
		return 2;
	}
	printf("# passed %u failed %u skipped %u seed=%llu\n", passed, failed,
	       skipped, (unsigned long long)kt_the_seed);
	if (result) {
		FILE *f = fopen(result, "w");

		if (!f || fprintf(f, "%u %u %u\n", passed, failed, skipped) < 0 ||
		    fclose(f)) {
			perror(result);
			return 2;
		}
	}
	free(cases);
	return failed ? 1 : 0;
}
