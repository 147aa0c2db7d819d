/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/kernel.h>: the everyday macros. */
#ifndef _SHIM_LINUX_KERNEL_H
#define _SHIM_LINUX_KERNEL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/errno.h>
#include <shim.h>

#ifndef container_of
#define container_of(ptr, type, member) ({				\
	void *__mptr = (void *)(ptr);					\
	((type *)((char *)__mptr - offsetof(type, member)));		\
})
#endif
#define container_of_const(ptr, type, member) container_of(ptr, type, member)

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define sizeof_field(t, m)	sizeof(((t *)0)->m)

#define min(a, b) ({ __typeof__(a) __a = (a); __typeof__(b) __b = (b); __a < __b ? __a : __b; })
#define max(a, b) ({ __typeof__(a) __a = (a); __typeof__(b) __b = (b); __a > __b ? __a : __b; })
#define min_t(t, a, b)		min((t)(a), (t)(b))
#define max_t(t, a, b)		max((t)(a), (t)(b))
#define clamp(v, lo, hi)	min(max(v, lo), hi)
#define clamp_t(t, v, lo, hi)	clamp((t)(v), (t)(lo), (t)(hi))
#define swap(a, b) do { __typeof__(a) __t = (a); (a) = (b); (b) = __t; } while (0)

#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define roundup(x, y)		((((x) + ((y) - 1)) / (y)) * (y))
#define round_up(x, y)		((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define round_down(x, y)	((x) & ~((__typeof__(x))((y) - 1)))
#define ALIGN(x, a)		round_up(x, a)
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)

#define BITS_PER_LONG		(CHAR_BIT * (int)sizeof(long))
#define BITS_PER_BYTE		CHAR_BIT
#define U8_MAX			UINT8_MAX
#define U16_MAX			UINT16_MAX
#define U32_MAX			UINT32_MAX
#define U64_MAX			UINT64_MAX
#define S32_MAX			INT32_MAX
#define S64_MAX			INT64_MAX

#define might_sleep()		shim_might_sleep("might_sleep()", __FILE__, __LINE__)
#define might_sleep_if(cond) do {					\
	if (cond)							\
		might_sleep();						\
} while (0)

/*
 * kconfig: nothing is built in the userspace harness, except that
 * IS_ENABLED(CONFIG_PREEMPT_RT) follows its PREEMPT_RT mode, at run time
 * (shim_set_preempt_rt()): the code under test runs both ways.
 */
#define IS_ENABLED(option)	shim_kconfig_enabled(#option)
#define IS_BUILTIN(option)	0
#define IS_MODULE(option)	0

#endif /* _SHIM_LINUX_KERNEL_H */
