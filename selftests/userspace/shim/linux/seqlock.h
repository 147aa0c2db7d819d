/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/seqlock.h>: sequence counters (optionally
 * tied to the lock that serialises their writers, which is then checked)
 * and seqlocks.
 */
#ifndef _SHIM_LINUX_SEQLOCK_H
#define _SHIM_LINUX_SEQLOCK_H

#include <sched.h>

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/lockdep.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>

/**
 * struct shim_seqcount - a sequence counter
 * @sequence:	odd while a writer is inside
 * @writer_lock: owner field of the lock writers must hold, or NULL
 */
struct shim_seqcount {
	unsigned int sequence;
	const unsigned long *writer_lock;
};

typedef struct shim_seqcount seqcount_t;
typedef struct shim_seqcount seqcount_spinlock_t;
typedef struct shim_seqcount seqcount_raw_spinlock_t;
typedef struct shim_seqcount seqcount_mutex_t;

#define SEQCNT_ZERO(n)		{ .sequence = 0, .writer_lock = NULL }
#define seqcount_init(s)	do { (s)->sequence = 0; (s)->writer_lock = NULL; } while (0)
#define seqcount_spinlock_init(s, l) \
	do { (s)->sequence = 0; (s)->writer_lock = &(l)->owner; } while (0)
#define seqcount_raw_spinlock_init(s, l) seqcount_spinlock_init(s, l)
#define seqcount_mutex_init(s, l)	seqcount_spinlock_init(s, l)

static inline unsigned int shim_read_seqcount_begin(const struct shim_seqcount *s)
{
	unsigned int seq;

	shim_seq_read_begins++;
	while ((seq = __atomic_load_n(&s->sequence, __ATOMIC_ACQUIRE)) & 1) {
		__atomic_fetch_add(&shim_seq_read_waits, 1, __ATOMIC_RELAXED);
		sched_yield();
	}
	return seq;
}

static inline bool shim_read_seqcount_retry(const struct shim_seqcount *s,
					    unsigned int start)
{
	bool retry;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	retry = __atomic_load_n(&s->sequence, __ATOMIC_RELAXED) != start;
	if (retry)
		__atomic_fetch_add(&shim_seq_read_retries, 1, __ATOMIC_RELAXED);
	return retry;
}

static inline void shim_write_seqcount_begin(struct shim_seqcount *s,
					     const char *file, int line)
{
	if (s->writer_lock && !shim_owner_is_me(s->writer_lock))
		shim_splat(file, line, "seqcount writer without its lock");
	__atomic_fetch_add(&s->sequence, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void shim_write_seqcount_end(struct shim_seqcount *s)
{
	__atomic_fetch_add(&s->sequence, 1, __ATOMIC_RELEASE);
}

#define read_seqcount_begin(s)		shim_read_seqcount_begin(s)
#define raw_read_seqcount_begin(s)	shim_read_seqcount_begin(s)
#define raw_read_seqcount(s)		__atomic_load_n(&(s)->sequence, __ATOMIC_ACQUIRE)
#define read_seqcount_retry(s, start)	shim_read_seqcount_retry(s, start)
#define write_seqcount_begin(s)		shim_write_seqcount_begin(s, __FILE__, __LINE__)
#define raw_write_seqcount_begin(s)	shim_write_seqcount_begin(s, __FILE__, __LINE__)
#define write_seqcount_end(s)		shim_write_seqcount_end(s)
#define raw_write_seqcount_end(s)	shim_write_seqcount_end(s)

/**
 * struct seqlock - a sequence counter with its writer lock inside
 */
typedef struct seqlock {
	struct shim_seqcount seqcount;
	spinlock_t lock;
} seqlock_t;

#define seqlock_init(sl) do {						\
	spin_lock_init(&(sl)->lock);					\
	seqcount_spinlock_init(&(sl)->seqcount, &(sl)->lock);		\
} while (0)
#define read_seqbegin(sl)	read_seqcount_begin(&(sl)->seqcount)
#define read_seqretry(sl, s)	read_seqcount_retry(&(sl)->seqcount, s)
#define write_seqlock(sl) do {						\
	spin_lock(&(sl)->lock);						\
	write_seqcount_begin(&(sl)->seqcount);				\
} while (0)
#define write_sequnlock(sl) do {					\
	write_seqcount_end(&(sl)->seqcount);				\
	spin_unlock(&(sl)->lock);					\
} while (0)

#endif /* _SHIM_LINUX_SEQLOCK_H */
