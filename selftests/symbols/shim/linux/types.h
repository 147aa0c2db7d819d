/* SPDX-License-Identifier: GPL-2.0 */
/* Just enough of the kernel for klpx.h's KLPX_SYMBOLS() in userspace. */
#ifndef _SHIM_LINUX_TYPES_H
#define _SHIM_LINUX_TYPES_H
#include <stdbool.h>
#include <stddef.h>
typedef unsigned int gfp_t;
#define __PASTE_(a, b)		a##b
#define __PASTE(a, b)		__PASTE_(a, b)
#define __UNIQUE_ID(prefix)	__PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)
#define __used			__attribute__((__used__))
#define __section(s)		__attribute__((__section__(s)))
#define __aligned(n)		__attribute__((__aligned__(n)))
#define __rcu
#endif
