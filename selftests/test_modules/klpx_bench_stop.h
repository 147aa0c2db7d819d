/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klpx_bench_stop.h - 200 functions named bench_stop_fn_000 ... _199, for
 * klpx_bench_stop (the originals) and klpx_bench_stop_patch (a patch of
 * all of them): BENCH_STOP_FUNCS(X) calls X(name, n) for each.
 */
#define BENCH_STOP_NR	200

#define BENCH_STOP_D(X, a, b)						\
	X(bench_stop_fn_##a##b##0, (1##a##b##0 - 1000)) X(bench_stop_fn_##a##b##1, (1##a##b##1 - 1000)) \
	X(bench_stop_fn_##a##b##2, (1##a##b##2 - 1000)) X(bench_stop_fn_##a##b##3, (1##a##b##3 - 1000)) \
	X(bench_stop_fn_##a##b##4, (1##a##b##4 - 1000)) X(bench_stop_fn_##a##b##5, (1##a##b##5 - 1000)) \
	X(bench_stop_fn_##a##b##6, (1##a##b##6 - 1000)) X(bench_stop_fn_##a##b##7, (1##a##b##7 - 1000)) \
	X(bench_stop_fn_##a##b##8, (1##a##b##8 - 1000)) X(bench_stop_fn_##a##b##9, (1##a##b##9 - 1000))
#define BENCH_STOP_C(X, a)						\
	BENCH_STOP_D(X, a, 0) BENCH_STOP_D(X, a, 1) BENCH_STOP_D(X, a, 2)	\
	BENCH_STOP_D(X, a, 3) BENCH_STOP_D(X, a, 4) BENCH_STOP_D(X, a, 5)	\
	BENCH_STOP_D(X, a, 6) BENCH_STOP_D(X, a, 7) BENCH_STOP_D(X, a, 8)	\
	BENCH_STOP_D(X, a, 9)
#define BENCH_STOP_FUNCS(X)	BENCH_STOP_C(X, 0) BENCH_STOP_C(X, 1)
