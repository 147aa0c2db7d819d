/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/atomic.h>, with the kernel's orderings. */
#ifndef _SHIM_LINUX_ATOMIC_H
#define _SHIM_LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <linux/types.h>

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC_LONG_INIT(i)	{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }

/* plain operations are relaxed; those that return a value are fully ordered */
#define __shim_atomic_read(v)		__atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define __shim_atomic_set(v, i)		__atomic_store_n(&(v)->counter, (i), __ATOMIC_RELAXED)
#define __shim_atomic_add(v, i)		((void)__atomic_fetch_add(&(v)->counter, (i), __ATOMIC_RELAXED))
#define __shim_atomic_add_return(v, i)	__atomic_add_fetch(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define __shim_atomic_fetch_add(v, i)	__atomic_fetch_add(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define __shim_atomic_cmpxchg(v, o, n) ({				\
	__typeof__((v)->counter) __old = (o);				\
	__atomic_compare_exchange_n(&(v)->counter, &__old, (n), false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
	__old;								\
})
#define __shim_atomic_xchg(v, n)	__atomic_exchange_n(&(v)->counter, (n), __ATOMIC_SEQ_CST)

#define atomic_read(v)			__shim_atomic_read(v)
#define atomic_set(v, i)		__shim_atomic_set(v, i)
#define atomic_add(i, v)		__shim_atomic_add(v, i)
#define atomic_sub(i, v)		__shim_atomic_add(v, -(i))
#define atomic_inc(v)			__shim_atomic_add(v, 1)
#define atomic_dec(v)			__shim_atomic_add(v, -1)
#define atomic_add_return(i, v)		__shim_atomic_add_return(v, i)
#define atomic_sub_return(i, v)		__shim_atomic_add_return(v, -(i))
#define atomic_inc_return(v)		__shim_atomic_add_return(v, 1)
#define atomic_dec_return(v)		__shim_atomic_add_return(v, -1)
#define atomic_fetch_add(i, v)		__shim_atomic_fetch_add(v, i)
#define atomic_dec_and_test(v)		(__shim_atomic_add_return(v, -1) == 0)
#define atomic_inc_and_test(v)		(__shim_atomic_add_return(v, 1) == 0)
#define atomic_cmpxchg(v, o, n)		__shim_atomic_cmpxchg(v, o, n)
#define atomic_xchg(v, n)		__shim_atomic_xchg(v, n)

#define atomic_long_read(v)		__shim_atomic_read(v)
#define atomic_long_set(v, i)		__shim_atomic_set(v, i)
#define atomic_long_add(i, v)		__shim_atomic_add(v, i)
#define atomic_long_sub(i, v)		__shim_atomic_add(v, -(i))
#define atomic_long_inc(v)		__shim_atomic_add(v, 1)
#define atomic_long_dec(v)		__shim_atomic_add(v, -1)
#define atomic_long_add_return(i, v)	__shim_atomic_add_return(v, i)
#define atomic_long_inc_return(v)	__shim_atomic_add_return(v, 1)
#define atomic_long_dec_return(v)	__shim_atomic_add_return(v, -1)
#define atomic_long_dec_and_test(v)	(__shim_atomic_add_return(v, -1) == 0)
#define atomic_long_cmpxchg(v, o, n)	__shim_atomic_cmpxchg(v, o, n)
#define atomic_long_xchg(v, n)		__shim_atomic_xchg(v, n)

#define atomic64_read(v)		__shim_atomic_read(v)
#define atomic64_set(v, i)		__shim_atomic_set(v, i)
#define atomic64_add(i, v)		__shim_atomic_add(v, i)
#define atomic64_inc(v)			__shim_atomic_add(v, 1)
#define atomic64_dec(v)			__shim_atomic_add(v, -1)
#define atomic64_inc_return(v)		__shim_atomic_add_return(v, 1)

#define cmpxchg(p, o, n) ({						\
	__typeof__(*(p)) __old = (o);					\
	__atomic_compare_exchange_n((p), &__old, (n), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
	__old;								\
})
#define xchg(p, n)	__atomic_exchange_n((p), (n), __ATOMIC_SEQ_CST)

#endif /* _SHIM_LINUX_ATOMIC_H */
