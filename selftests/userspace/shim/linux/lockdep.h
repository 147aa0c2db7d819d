/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/lockdep.h>.  Every shim lock records its
 * owner, which is enough to answer "does this thread hold it?".
 */
#ifndef _SHIM_LINUX_LOCKDEP_H
#define _SHIM_LINUX_LOCKDEP_H

#include <linux/compiler.h>
#include <shim.h>

/* a class of its own for the locks set to it */
struct lock_class_key {
	struct shim_lock_class class;
};

static inline bool shim_owner_is_me(const unsigned long *owner)
{
	return __atomic_load_n(owner, __ATOMIC_RELAXED) == shim_current()->id;
}

#define lockdep_is_held(l)	shim_owner_is_me(&(l)->owner)
#define lockdep_assert_held(l) do {					\
	if (!lockdep_is_held(l))					\
		shim_splat(__FILE__, __LINE__,				\
			   "lock %s not held", #l);			\
} while (0)
#define lockdep_assert_not_held(l) do {					\
	if (lockdep_is_held(l))						\
		shim_splat(__FILE__, __LINE__,				\
			   "lock %s held", #l);				\
} while (0)
#define lockdep_assert_held_once(l)	lockdep_assert_held(l)
#define lockdep_assert_irqs_disabled() do {				\
	if (!shim_current()->irqs_off)					\
		shim_splat(__FILE__, __LINE__, "IRQs not disabled");	\
} while (0)
#define lockdep_set_class(l, key) do {					\
	if (!(key)->class.name)						\
		(key)->class.name = #key;				\
	(l)->class = &(key)->class;					\
} while (0)
#define lockdep_set_class_and_name(l, key, n) do {			\
	(key)->class.name = (n);					\
	(l)->class = &(key)->class;					\
} while (0)
#define lockdep_set_novalidate_class(l)	do { } while (0)
#define lockdep_register_key(key)	do { } while (0)
#define lockdep_unregister_key(key)	do { } while (0)

#endif /* _SHIM_LINUX_LOCKDEP_H */
