// SPDX-License-Identifier: GPL-2.0
/*
 * How long klpx_shadow_get() takes with 10^3 .. 10^6 live variables of
 * one id (not a test: it prints numbers, it asserts nothing).
 *
 *   hot:  lookups spread over 1024 of the variables, the working set of a
 *         patched function that keeps meeting the same objects; this
 *         isolates the cost of the algorithm from the cache misses that
 *         any table of that size costs
 *   cold: lookups spread over all the variables
 *   miss: lookups of objects that have no variable
 *
 * Each figure is the best of several rounds of LOOKUPS lookups (the
 * round least disturbed by whatever else the machine runs), in CPU time
 * of the benchmark's thread.  Also
 * shown: klpx_shadow_get_or_alloc() of an existing variable, and
 * klpx_shadow_free_all() per variable.
 *
 *   shadow_bench [max_exponent]    (default 6: up to 10^6)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <linux/gfp.h>
#include <linux/klpx.h>
#include <linux/rcupdate.h>
#include <shim.h>

#define LOOKUPS		(1UL << 19)
#define ROUNDS		9
#define HOT		1024
#define OBJ_STRIDE	64

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double best(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[0];
}

/* ns per lookup of the objects whose indices are in @idx */
static double time_gets(char *objs, const uint32_t *idx,
			struct klpx_shadow_type *t, unsigned long *sink)
{
	double rounds[ROUNDS];
	unsigned long i, found;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();

		found = 0;
		for (i = 0; i < LOOKUPS; i++)
			found += klpx_shadow_get(objs + (size_t)idx[i] * OBJ_STRIDE,
						 t) != NULL;
		rounds[r] = (now_ns() - t0) / LOOKUPS;
		*sink += found;
	}
	return best(rounds, ROUNDS);
}

static double time_get_or_alloc(char *objs, const uint32_t *idx,
				struct klpx_shadow_type *t)
{
	double rounds[ROUNDS];
	unsigned long i;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();

		for (i = 0; i < LOOKUPS; i++)
			klpx_shadow_get_or_alloc(objs + (size_t)idx[i] * OBJ_STRIDE,
						 t, GFP_KERNEL, NULL);
		rounds[r] = (now_ns() - t0) / LOOKUPS;
	}
	return best(rounds, ROUNDS);
}

int main(int argc, char **argv)
{
	int max_exp = argc > 1 ? atoi(argv[1]) : 6;
	struct klpx_shadow_type t = { .id = 1, .name = "bench", .size = 16 };
	double first_hot = 0, last_hot = 0, first_cold = 0, last_cold = 0;
	uint32_t *hot, *cold, *miss;
	unsigned long sink = 0, n, i;
	char *objs;
	int e;

	shim_thread_enter();
	hot = malloc(LOOKUPS * sizeof(*hot));
	cold = malloc(LOOKUPS * sizeof(*cold));
	miss = malloc(LOOKUPS * sizeof(*miss));
	objs = malloc(2 * 1000000UL * OBJ_STRIDE);
	if (!hot || !cold || !miss || !objs || max_exp < 3 || max_exp > 6) {
		fprintf(stderr, "usage: %s [3..6]\n", argv[0]);
		return 1;
	}

	printf("klpx_shadow_get(), one id, %lu lookups per round, best of %d rounds\n",
	       LOOKUPS, ROUNDS);
	printf("%10s %10s %10s %10s %14s %14s\n", "variables", "hot ns",
	       "cold ns", "miss ns", "get_or_alloc", "free_all/var");
	for (e = 3, n = 1000; e <= max_exp; e++, n *= 10) {
		double h, c, m, g, fa, t0;

		if (klpx_shadow_register(&t))
			return 1;
		/* variables on objects 0 .. n-1; objects n .. 2n-1 have none */
		for (i = 0; i < n; i++)
			if (!klpx_shadow_alloc(objs + i * OBJ_STRIDE, &t,
					       GFP_KERNEL, NULL))
				return 1;
		shim_workqueue_drain();	/* let the table finish growing */
		for (i = 0; i < LOOKUPS; i++) {
			hot[i] = (uint32_t)((next_rand() % HOT) * (n / HOT ? n / HOT : 1) % n);
			cold[i] = (uint32_t)(next_rand() % n);
			miss[i] = (uint32_t)(n + next_rand() % n);
		}

		h = time_gets(objs, hot, &t, &sink);
		c = time_gets(objs, cold, &t, &sink);
		m = time_gets(objs, miss, &t, &sink);
		g = time_get_or_alloc(objs, hot, &t);
		t0 = now_ns();
		klpx_shadow_free_all(&t);
		fa = (now_ns() - t0) / n;
		klpx_shadow_unregister(&t);
		rcu_barrier();

		printf("%10lu %10.1f %10.1f %10.1f %14.1f %14.1f\n", n, h, c, m,
		       g, fa);
		fflush(stdout);
		if (e == 3) {
			first_hot = h;
			first_cold = c;
		}
		last_hot = h;
		last_cold = c;
	}
	printf("get at 10^%d vs 10^3 live variables: hot %.2fx, cold %.2fx\n",
	       max_exp, last_hot / first_hot, last_cold / first_cold);
	if (sink == 42)
		printf("\n");
	free(hot);
	free(cold);
	free(miss);
	free(objs);
	shim_thread_exit();
	return 0;
}
