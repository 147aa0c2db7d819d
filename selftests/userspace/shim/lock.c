// SPDX-License-Identifier: GPL-2.0
/*
 * Spinlocks and mutexes that know their owner.  A spinlock holder is in
 * atomic context; a mutex may only be taken where sleeping is allowed.
 * Taking a lock twice would deadlock: it is reported and the process
 * stops, which fails the test at once rather than at its timeout.
 */
#include <stdlib.h>

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <shim.h>

void shim_spin_lock_init(spinlock_t *lock, const char *name)
{
	pthread_mutex_init(&lock->lock, NULL);
	lock->owner = 0;
	lock->name = name;
}

void shim_spin_lock(spinlock_t *lock, const char *file, int line)
{
	struct shim_task *t = shim_current();

	if (shim_owner_is_me(&lock->owner)) {
		shim_splat(file, line, "recursive spin_lock(%s)", lock->name);
		shim_die();
	}
	t->preempt_count++;
	pthread_mutex_lock(&lock->lock);
	__atomic_store_n(&lock->owner, t->id, __ATOMIC_RELAXED);
}

bool shim_spin_trylock(spinlock_t *lock)
{
	struct shim_task *t = shim_current();

	if (pthread_mutex_trylock(&lock->lock))
		return false;
	t->preempt_count++;
	__atomic_store_n(&lock->owner, t->id, __ATOMIC_RELAXED);
	return true;
}

void shim_spin_unlock(spinlock_t *lock, const char *file, int line)
{
	struct shim_task *t = shim_current();

	if (!shim_owner_is_me(&lock->owner)) {
		shim_splat(file, line, "spin_unlock(%s) by a thread not holding it",
			   lock->name);
		shim_die();
	}
	__atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lock->lock);
	t->preempt_count--;
}

bool shim_spin_is_locked(spinlock_t *lock)
{
	return __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != 0;
}

void shim_mutex_init(struct mutex *lock, const char *name)
{
	pthread_mutex_init(&lock->lock, NULL);
	lock->owner = 0;
	lock->name = name;
}

void shim_mutex_lock(struct mutex *lock, const char *file, int line)
{
	shim_might_sleep("mutex_lock()", file, line);
	if (shim_owner_is_me(&lock->owner)) {
		shim_splat(file, line, "recursive mutex_lock(%s)", lock->name);
		shim_die();
	}
	pthread_mutex_lock(&lock->lock);
	__atomic_store_n(&lock->owner, shim_current()->id, __ATOMIC_RELAXED);
}

bool shim_mutex_trylock(struct mutex *lock)
{
	if (pthread_mutex_trylock(&lock->lock))
		return false;
	__atomic_store_n(&lock->owner, shim_current()->id, __ATOMIC_RELAXED);
	return true;
}

void shim_mutex_unlock(struct mutex *lock, const char *file, int line)
{
	if (!shim_owner_is_me(&lock->owner)) {
		shim_splat(file, line, "mutex_unlock(%s) by a thread not holding it",
			   lock->name);
		shim_die();
	}
	__atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lock->lock);
}
