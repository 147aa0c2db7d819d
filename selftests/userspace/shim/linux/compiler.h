/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the compiler macros of the kernel.
 *
 * Accesses the kernel marks as concurrent (READ_ONCE, WRITE_ONCE and the
 * barrier-carrying macros) become C11 atomics, so ThreadSanitizer sees
 * them for what they are.
 */
#ifndef _SHIM_LINUX_COMPILER_H
#define _SHIM_LINUX_COMPILER_H

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define barrier()		__asm__ __volatile__("" : : : "memory")
#define cpu_relax()		__builtin_ia32_pause()

#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#define noinline		__attribute__((__noinline__))
#define __noreturn		__attribute__((__noreturn__))
#define __maybe_unused		__attribute__((__unused__))
#define __always_unused		__attribute__((__unused__))
#define __must_check		__attribute__((__warn_unused_result__))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define __cold			__attribute__((__cold__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __packed		__attribute__((__packed__))
#define __pure			__attribute__((__pure__))
#define __used			__attribute__((__used__))
#define fallthrough		__attribute__((__fallthrough__))
#define ____cacheline_aligned	__attribute__((__aligned__(64)))
#define ____cacheline_aligned_in_smp ____cacheline_aligned
#define __read_mostly

/* sparse annotations: nothing to check in userspace */
#define __rcu
#define __force
#define __user
#define __iomem
#define __percpu
#define __bitwise
#define __acquires(x)
#define __releases(x)
#define __must_hold(x)
#define __cond_lock(x, c)	(c)

#define __same_type(a, b)	__builtin_types_compatible_p(__typeof__(a), __typeof__(b))

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (__typeof__(x))(val), __ATOMIC_RELAXED)

#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_mb__before_atomic()	smp_mb()
#define smp_mb__after_atomic()	smp_mb()
#define smp_store_release(p, v)	__atomic_store_n((p), (__typeof__(*(p)))(v), __ATOMIC_RELEASE)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_mb(x, v)	__atomic_store_n(&(x), (__typeof__(x))(v), __ATOMIC_SEQ_CST)

#define data_race(expr)		(expr)

#endif /* _SHIM_LINUX_COMPILER_H */
