/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/srcu.h>: sleepable RCU domains.
 *
 * Independent of liburcu so that a sleepable reader may wait for an RCU
 * grace period.  Readers count themselves in one of two slots; a grace
 * period flips the slot new readers use and waits for the old one to
 * drain, twice, so a reader that picked its slot just before a flip is
 * waited for as well.
 */
#ifndef _SHIM_LINUX_SRCU_H
#define _SHIM_LINUX_SRCU_H

#include <pthread.h>

#include <linux/rcupdate.h>

/**
 * struct srcu_struct - one sleepable RCU domain
 * @readers:	readers inside, per slot
 * @slot:	the slot new readers count in
 * @gp_lock:	serialises grace periods of this domain
 * @name:	for messages
 */
struct srcu_struct {
	long readers[2];
	int slot;
	pthread_mutex_t gp_lock;
	const char *name;
};

#define __SRCU_STRUCT_INIT(n) { .gp_lock = PTHREAD_MUTEX_INITIALIZER, .name = #n }
#define DEFINE_SRCU(n)		struct srcu_struct n = __SRCU_STRUCT_INIT(n)
#define DEFINE_STATIC_SRCU(n)	static struct srcu_struct n = __SRCU_STRUCT_INIT(n)

int init_srcu_struct(struct srcu_struct *ssp);
void cleanup_srcu_struct(struct srcu_struct *ssp);
int shim_srcu_read_lock(struct srcu_struct *ssp);
void shim_srcu_read_unlock(struct srcu_struct *ssp, int idx);
void shim_synchronize_srcu(struct srcu_struct *ssp, const char *file, int line);

#define srcu_read_lock(ssp)		shim_srcu_read_lock(ssp)
#define srcu_read_unlock(ssp, idx)	shim_srcu_read_unlock(ssp, idx)
#define synchronize_srcu(ssp)		shim_synchronize_srcu(ssp, __FILE__, __LINE__)
#define synchronize_srcu_expedited(ssp)	shim_synchronize_srcu(ssp, __FILE__, __LINE__)
#define srcu_read_lock_held(ssp)	(shim_current()->srcu_depth > 0)

#define srcu_dereference_check(p, ssp, c)				\
	rcu_dereference_check(p, (c) || srcu_read_lock_held(ssp))
#define srcu_dereference(p, ssp)	srcu_dereference_check(p, ssp, 0)

#endif /* _SHIM_LINUX_SRCU_H */
