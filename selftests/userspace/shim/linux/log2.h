/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/log2.h>. */
#ifndef _SHIM_LINUX_LOG2_H
#define _SHIM_LINUX_LOG2_H

#include <linux/types.h>

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* floor(log2(n)); n must not be 0 */
static inline int __ilog2_ul(unsigned long n)
{
	return (int)(sizeof(n) * 8 - 1) - __builtin_clzl(n);
}
#define ilog2(n)		__ilog2_ul((unsigned long)(n))

static inline unsigned long __roundup_pow_of_two(unsigned long n)
{
	return n <= 1 ? 1 : 1UL << (__ilog2_ul(n - 1) + 1);
}
#define roundup_pow_of_two(n)	__roundup_pow_of_two((unsigned long)(n))

static inline unsigned long __rounddown_pow_of_two(unsigned long n)
{
	return 1UL << __ilog2_ul(n);
}
#define rounddown_pow_of_two(n)	__rounddown_pow_of_two((unsigned long)(n))

#define order_base_2(n)		((n) > 1 ? ilog2((n) - 1) + 1 : 0)

#endif /* _SHIM_LINUX_LOG2_H */
