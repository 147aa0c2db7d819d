/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small test driver for the userspace tier.
 *
 * Every case runs in its own child process (a fresh registry, fresh
 * once-only WARNs, a deadlock becomes a timeout instead of a hang).  After
 * the case returns, the driver fails it if ids are still registered,
 * memory is still allocated once RCU callbacks and deferred work are done,
 * a WARN happened that the case did not take with shim_warn_take(), or a
 * locking/RCU rule was broken.
 *
 * EXPECT_*() records a failure and goes on; ASSERT_*() ends the case.
 * Both may be used from any thread of the case.
 */
#ifndef _KLPX_TEST_HARNESS_H
#define _KLPX_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct kt_case {
	const char *name;
	void (*fn)(void);
	struct kt_case *next;
};

void kt_register(struct kt_case *c);

#define KLPX_TEST(test_name)						\
	static void test_name(void);					\
	static struct kt_case __kt_case_##test_name = {			\
		.name = #test_name, .fn = test_name,			\
	};								\
	__attribute__((constructor)) static void __kt_reg_##test_name(void) \
	{								\
		kt_register(&__kt_case_##test_name);			\
	}								\
	static void test_name(void)

void kt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((__format__(printf, 3, 4)));
void __attribute__((__noreturn__)) kt_abort(void);
void __attribute__((__noreturn__)) kt_skip(const char *why);
/* one line of commentary, shown in the output of the case */
void kt_info(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));

#define __KT_CHECK(fatal, cond, fmt, ...) do {				\
	if (!(cond)) {							\
		kt_fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__);	\
		if (fatal)						\
			kt_abort();					\
	}								\
} while (0)

#define __KT_TRUE(f, c)		__KT_CHECK(f, (c), "expected %s", #c)
#define __KT_EQ(f, a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	__KT_CHECK(f, __a == __b, "expected %s == %s (%lld vs %lld)",	\
		   #a, #b, __a, __b);					\
} while (0)
#define __KT_NE(f, a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	__KT_CHECK(f, __a != __b, "expected %s != %s (both %lld)",	\
		   #a, #b, __a);					\
} while (0)
#define __KT_LE(f, a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	__KT_CHECK(f, __a <= __b, "expected %s <= %s (%lld vs %lld)",	\
		   #a, #b, __a, __b);					\
} while (0)
#define __KT_PTR_EQ(f, a, b) do {					\
	const void *__a = (a), *__b = (b);				\
	__KT_CHECK(f, __a == __b, "expected %s == %s (%p vs %p)",	\
		   #a, #b, __a, __b);					\
} while (0)

#define EXPECT_TRUE(c)		__KT_TRUE(false, c)
#define EXPECT_FALSE(c)		__KT_TRUE(false, !(c))
#define EXPECT_EQ(a, b)		__KT_EQ(false, a, b)
#define EXPECT_NE(a, b)		__KT_NE(false, a, b)
#define EXPECT_LE(a, b)		__KT_LE(false, a, b)
#define EXPECT_PTR_EQ(a, b)	__KT_PTR_EQ(false, a, b)
#define EXPECT_NULL(p)		__KT_PTR_EQ(false, p, NULL)
#define EXPECT_NOT_NULL(p)	__KT_CHECK(false, (p) != NULL, "expected %s != NULL", #p)

#define ASSERT_TRUE(c)		__KT_TRUE(true, c)
#define ASSERT_FALSE(c)		__KT_TRUE(true, !(c))
#define ASSERT_EQ(a, b)		__KT_EQ(true, a, b)
#define ASSERT_NE(a, b)		__KT_NE(true, a, b)
#define ASSERT_LE(a, b)		__KT_LE(true, a, b)
#define ASSERT_PTR_EQ(a, b)	__KT_PTR_EQ(true, a, b)
#define ASSERT_NULL(p)		__KT_PTR_EQ(true, p, NULL)
#define ASSERT_NOT_NULL(p)	__KT_CHECK(true, (p) != NULL, "expected %s != NULL", #p)

/* the WARNs expected since the last take: exactly @n */
#define EXPECT_WARNS(n)		EXPECT_EQ(shim_warn_take(), n)

/* randomness: deterministic given the seed the driver prints */
struct kt_rng {
	uint64_t s;
};

uint64_t kt_seed(void);
/* an independent stream for the case, salted (e.g. by thread index) */
void kt_rng_init(struct kt_rng *r, uint64_t salt);
uint64_t kt_rand(struct kt_rng *r);
/* uniform in [0, n) */
uint64_t kt_rand_below(struct kt_rng *r, uint64_t n);

/* scale bounded loops: 1 normally, smaller under the slow sanitizers */
unsigned long kt_scaled(unsigned long n);

/*
 * A key for the @i-th of objects @stride bytes apart from @base, in the
 * direct map.  Parent objects are never dereferenced: any address will do.
 */
#define KEY(base, stride, i) ((void *)(uintptr_t)((base) + (uintptr_t)(stride) * (i)))
#define DIRECT_MAP	0xffff888100000000UL

/* wait (yielding) until @cond holds; fails the case after a long time */
#define KT_WAIT_FOR(cond) do {						\
	unsigned long __spins = 0;					\
	while (!(cond)) {						\
		if (!kt_wait_step(&__spins)) {				\
			kt_fail(__FILE__, __LINE__,			\
				"timed out waiting for %s", #cond);	\
			kt_abort();					\
		}							\
	}								\
} while (0)
bool kt_wait_step(unsigned long *spins);

#endif /* _KLPX_TEST_HARNESS_H */
