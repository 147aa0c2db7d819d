/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/bug.h>.  WARNs are recorded by the shim
 * so tests can tell whether one happened.  BUG() and BUG_ON() are left
 * out on purpose: klpx does not use them.
 */
#ifndef _SHIM_LINUX_BUG_H
#define _SHIM_LINUX_BUG_H

#include <linux/compiler.h>
#include <shim.h>

#define WARN(cond, fmt, ...) ({						\
	bool __warn_c = !!(cond);					\
	if (unlikely(__warn_c))						\
		shim_warn(__FILE__, __LINE__, fmt, ##__VA_ARGS__);	\
	unlikely(__warn_c);						\
})

#define WARN_ON(cond) ({						\
	bool __warn_c = !!(cond);					\
	if (unlikely(__warn_c))						\
		shim_warn(__FILE__, __LINE__, "WARN_ON(%s)", #cond);	\
	unlikely(__warn_c);						\
})

#define WARN_ONCE(cond, fmt, ...) ({					\
	static bool __warned;						\
	bool __warn_c = !!(cond);					\
	if (unlikely(__warn_c) &&					\
	    !__atomic_exchange_n(&__warned, true, __ATOMIC_RELAXED))	\
		shim_warn(__FILE__, __LINE__, fmt, ##__VA_ARGS__);	\
	unlikely(__warn_c);						\
})

#define WARN_ON_ONCE(cond) ({						\
	static bool __warned;						\
	bool __warn_c = !!(cond);					\
	if (unlikely(__warn_c) &&					\
	    !__atomic_exchange_n(&__warned, true, __ATOMIC_RELAXED))	\
		shim_warn(__FILE__, __LINE__, "WARN_ON_ONCE(%s)", #cond); \
	unlikely(__warn_c);						\
})

#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")
#define BUILD_BUG_ON_MSG(cond, msg) _Static_assert(!(cond), msg)
#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(struct { int:(-!!(e)); })))

#endif /* _SHIM_LINUX_BUG_H */
