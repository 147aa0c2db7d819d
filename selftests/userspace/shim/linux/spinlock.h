/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/spinlock.h>.
 *
 * A spinlock is a pthread mutex that knows its owner; holding one puts
 * the thread in atomic context, so sleeping under it is reported.  Taking
 * a spinlock the thread already holds is reported (and would deadlock, as
 * in the kernel).
 */
#ifndef _SHIM_LINUX_SPINLOCK_H
#define _SHIM_LINUX_SPINLOCK_H

#include <pthread.h>

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <shim.h>

/**
 * struct spinlock - a spinlock
 * @lock:	the mutex that provides the exclusion
 * @owner:	shim_task id of the holder, 0 when free
 * @name:	for messages
 */
typedef struct spinlock {
	pthread_mutex_t lock;
	unsigned long owner;
	const char *name;
} spinlock_t;

typedef spinlock_t raw_spinlock_t;

#define __SPIN_LOCK_UNLOCKED(n) { .lock = PTHREAD_MUTEX_INITIALIZER, .owner = 0, .name = #n }
#define DEFINE_SPINLOCK(n)	spinlock_t n = __SPIN_LOCK_UNLOCKED(n)
#define DEFINE_RAW_SPINLOCK(n)	DEFINE_SPINLOCK(n)

void shim_spin_lock_init(spinlock_t *lock, const char *name);
void shim_spin_lock(spinlock_t *lock, const char *file, int line);
bool shim_spin_trylock(spinlock_t *lock);
void shim_spin_unlock(spinlock_t *lock, const char *file, int line);
bool shim_spin_is_locked(spinlock_t *lock);

#define spin_lock_init(l)	shim_spin_lock_init(l, #l)
#define spin_lock(l)		shim_spin_lock(l, __FILE__, __LINE__)
#define spin_unlock(l)		shim_spin_unlock(l, __FILE__, __LINE__)
#define spin_trylock(l)		shim_spin_trylock(l)
#define spin_is_locked(l)	shim_spin_is_locked(l)
#define spin_lock_bh(l)		spin_lock(l)
#define spin_unlock_bh(l)	spin_unlock(l)
#define spin_lock_irq(l)	do { shim_irq_save(); spin_lock(l); } while (0)
#define spin_unlock_irq(l)	do { spin_unlock(l); shim_irq_restore(0); } while (0)
#define spin_lock_irqsave(l, flags) do {				\
	(flags) = shim_irq_save();					\
	spin_lock(l);							\
} while (0)
#define spin_unlock_irqrestore(l, flags) do {				\
	spin_unlock(l);							\
	shim_irq_restore(flags);					\
} while (0)
#define assert_spin_locked(l)	lockdep_assert_held(l)

#define raw_spin_lock_init(l)		spin_lock_init(l)
#define raw_spin_lock(l)		spin_lock(l)
#define raw_spin_unlock(l)		spin_unlock(l)
#define raw_spin_lock_irqsave(l, f)	spin_lock_irqsave(l, f)
#define raw_spin_unlock_irqrestore(l, f) spin_unlock_irqrestore(l, f)

#endif /* _SHIM_LINUX_SPINLOCK_H */
