/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/mutex.h>: a pthread mutex that knows its
 * owner.  Taking it where sleeping is not allowed, taking it twice, or
 * releasing it from another thread is reported.
 */
#ifndef _SHIM_LINUX_MUTEX_H
#define _SHIM_LINUX_MUTEX_H

#include <pthread.h>

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <shim.h>

/**
 * struct mutex - a sleeping lock
 * @lock:	the exclusion
 * @owner:	shim_task id of the holder, 0 when free
 * @name:	for messages
 * @class:	the lock class given at init; NULL: @own_class
 * @own_class:	the class of a statically defined mutex
 */
struct mutex {
	pthread_mutex_t lock;
	unsigned long owner;
	const char *name;
	struct shim_lock_class *class;
	struct shim_lock_class own_class;
};

#define __MUTEX_INITIALIZER(n)	{						.lock = PTHREAD_MUTEX_INITIALIZER, .owner = 0, .name = #n,		.class = NULL, .own_class = { .name = #n },			}
#define DEFINE_MUTEX(n)		struct mutex n = __MUTEX_INITIALIZER(n)

void shim_mutex_init(struct mutex *lock, const char *name,
		     struct shim_lock_class *class);
void shim_mutex_lock(struct mutex *lock, const char *file, int line);
bool shim_mutex_trylock(struct mutex *lock);
void shim_mutex_unlock(struct mutex *lock, const char *file, int line);

#define mutex_init(l) do {						\
	static struct shim_lock_class __shim_key = { .name = #l };	\
	shim_mutex_init(l, #l, &__shim_key);				\
} while (0)
#define mutex_destroy(l)	do { } while (0)
#define mutex_lock(l)		shim_mutex_lock(l, __FILE__, __LINE__)
#define mutex_lock_nested(l, s)	mutex_lock(l)
#define mutex_lock_interruptible(l) ({ mutex_lock(l); 0; })
#define mutex_lock_killable(l)	({ mutex_lock(l); 0; })
#define mutex_trylock(l)	shim_mutex_trylock(l)
#define mutex_unlock(l)		shim_mutex_unlock(l, __FILE__, __LINE__)
#define mutex_is_locked(l)	(READ_ONCE((l)->owner) != 0)

#endif /* _SHIM_LINUX_MUTEX_H */
