/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klpx_bench_many.h - 200 functions named bench_many_fn_000 ... _199, for
 * klpx_bench_many (the originals) and klpx_bench_many_patch (a patch of
 * all of them): BENCH_MANY_FUNCS(X) calls X(name, n) for each.
 */
#define BENCH_MANY_NR	200

#define BENCH_MANY_ONE(X, a, b, c)					\
	X(bench_many_fn_##a##b##c, (1##a##b##c - 1000))
#define BENCH_MANY_D(X, a, b)						\
	BENCH_MANY_ONE(X, a, b, 0) BENCH_MANY_ONE(X, a, b, 1)		\
	BENCH_MANY_ONE(X, a, b, 2) BENCH_MANY_ONE(X, a, b, 3)		\
	BENCH_MANY_ONE(X, a, b, 4) BENCH_MANY_ONE(X, a, b, 5)		\
	BENCH_MANY_ONE(X, a, b, 6) BENCH_MANY_ONE(X, a, b, 7)		\
	BENCH_MANY_ONE(X, a, b, 8) BENCH_MANY_ONE(X, a, b, 9)
#define BENCH_MANY_C(X, a)						\
	BENCH_MANY_D(X, a, 0) BENCH_MANY_D(X, a, 1) BENCH_MANY_D(X, a, 2)	\
	BENCH_MANY_D(X, a, 3) BENCH_MANY_D(X, a, 4) BENCH_MANY_D(X, a, 5)	\
	BENCH_MANY_D(X, a, 6) BENCH_MANY_D(X, a, 7) BENCH_MANY_D(X, a, 8)	\
	BENCH_MANY_D(X, a, 9)
#define BENCH_MANY_FUNCS(X)	BENCH_MANY_C(X, 0) BENCH_MANY_C(X, 1)
