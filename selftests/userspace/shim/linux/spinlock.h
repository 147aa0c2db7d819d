/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/spinlock.h>.
 *
 * A spinlock is a pthread mutex that knows its owner and its lock class
 * (struct shim_lock_class: one per spin_lock_init() call site, or per
 * statically defined lock).  Holding one puts the thread in atomic
 * context, the _irq/_irqsave variants disable IRQs and the _bh ones
 * bottom halves, and every acquisition feeds the class checks described
 * in shim.h.  raw_spinlock_t is a type of its own: in PREEMPT_RT mode it
 * still spins while spinlock_t becomes a sleeping lock.  Taking a lock the
 * thread already holds is reported and stops the process.
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

/*
 * The members both lock types share, in this order.
 * @lock:	the mutex that provides the exclusion
 * @owner:	shim_task id of the holder, 0 when free
 * @name:	for messages
 * @class:	the class given at init; NULL: @own_class
 * @own_class:	the class of a statically defined lock
 * @sleeping:	taken as a sleeping lock (PREEMPT_RT spinlock_t); the
 *		unlock undoes what the lock did
 */
#define SHIM_SPINLOCK_MEMBERS						\
	pthread_mutex_t lock;						\
	unsigned long owner;						\
	const char *name;						\
	struct shim_lock_class *class;					\
	struct shim_lock_class own_class;				\
	bool sleeping

struct shim_spinlock {
	SHIM_SPINLOCK_MEMBERS;
};

typedef struct spinlock {
	SHIM_SPINLOCK_MEMBERS;
} spinlock_t;

typedef struct raw_spinlock {
	SHIM_SPINLOCK_MEMBERS;
} raw_spinlock_t;

#define __SPIN_LOCK_UNLOCKED(n) {					\
	.lock = PTHREAD_MUTEX_INITIALIZER, .owner = 0, .name = #n,	\
	.class = NULL, .own_class = { .name = #n },			\
}
#define __RAW_SPIN_LOCK_UNLOCKED(n) __SPIN_LOCK_UNLOCKED(n)
#define DEFINE_SPINLOCK(n)	spinlock_t n = __SPIN_LOCK_UNLOCKED(n)
#define DEFINE_RAW_SPINLOCK(n)	raw_spinlock_t n = __RAW_SPIN_LOCK_UNLOCKED(n)

/* how an acquisition affects the context */
enum shim_spin_mode {
	SHIM_SPIN,		/* preemption off */
	SHIM_SPIN_BH,		/* and bottom halves */
	SHIM_SPIN_IRQ,		/* and IRQs */
};

void shim_spin_lock_init(struct shim_spinlock *lock, const char *name,
			 struct shim_lock_class *class);
void shim_spin_lock(struct shim_spinlock *lock, bool raw,
		    enum shim_spin_mode mode, const char *file, int line);
bool shim_spin_trylock(struct shim_spinlock *lock, bool raw);
void shim_spin_unlock(struct shim_spinlock *lock, enum shim_spin_mode mode,
		      const char *file, int line);
bool shim_spin_is_locked(struct shim_spinlock *lock);

/* only a spinlock_t (or raw_spinlock_t, for the raw_ calls) is accepted */
#define __shim_spin(l)	_Generic((l), spinlock_t *: (struct shim_spinlock *)(l))
#define __shim_raw(l)	_Generic((l), raw_spinlock_t *: (struct shim_spinlock *)(l))

#define __shim_lock_init(l, conv) do {					\
	static struct shim_lock_class __shim_key = { .name = #l };	\
	shim_spin_lock_init(conv(l), #l, &__shim_key);			\
} while (0)

#define spin_lock_init(l)	__shim_lock_init(l, __shim_spin)
#define spin_lock(l)		shim_spin_lock(__shim_spin(l), false, SHIM_SPIN, __FILE__, __LINE__)
#define spin_unlock(l)		shim_spin_unlock(__shim_spin(l), SHIM_SPIN, __FILE__, __LINE__)
#define spin_trylock(l)		shim_spin_trylock(__shim_spin(l), false)
#define spin_is_locked(l)	shim_spin_is_locked(__shim_spin(l))
#define spin_lock_bh(l)		shim_spin_lock(__shim_spin(l), false, SHIM_SPIN_BH, __FILE__, __LINE__)
#define spin_unlock_bh(l)	shim_spin_unlock(__shim_spin(l), SHIM_SPIN_BH, __FILE__, __LINE__)
#define spin_lock_irq(l)	shim_spin_lock(__shim_spin(l), false, SHIM_SPIN_IRQ, __FILE__, __LINE__)
#define spin_unlock_irq(l)	shim_spin_unlock(__shim_spin(l), SHIM_SPIN_IRQ, __FILE__, __LINE__)
#define spin_lock_irqsave(l, flags) do {				\
	(flags) = 0;							\
	spin_lock_irq(l);						\
} while (0)
#define spin_unlock_irqrestore(l, flags) do {				\
	(void)(flags);							\
	spin_unlock_irq(l);						\
} while (0)
#define assert_spin_locked(l)	lockdep_assert_held(l)

#define raw_spin_lock_init(l)	__shim_lock_init(l, __shim_raw)
#define raw_spin_lock(l)	shim_spin_lock(__shim_raw(l), true, SHIM_SPIN, __FILE__, __LINE__)
#define raw_spin_unlock(l)	shim_spin_unlock(__shim_raw(l), SHIM_SPIN, __FILE__, __LINE__)
#define raw_spin_trylock(l)	shim_spin_trylock(__shim_raw(l), true)
#define raw_spin_is_locked(l)	shim_spin_is_locked(__shim_raw(l))
#define raw_spin_lock_irq(l)	shim_spin_lock(__shim_raw(l), true, SHIM_SPIN_IRQ, __FILE__, __LINE__)
#define raw_spin_unlock_irq(l)	shim_spin_unlock(__shim_raw(l), SHIM_SPIN_IRQ, __FILE__, __LINE__)
#define raw_spin_lock_irqsave(l, flags) do {				\
	(flags) = 0;							\
	raw_spin_lock_irq(l);						\
} while (0)
#define raw_spin_unlock_irqrestore(l, flags) do {			\
	(void)(flags);							\
	raw_spin_unlock_irq(l);						\
} while (0)

#endif /* _SHIM_LINUX_SPINLOCK_H */
