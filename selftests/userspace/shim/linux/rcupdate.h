/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/rcupdate.h>, on top of liburcu.
 *
 * Readers and grace periods are liburcu's; callbacks run on a worker
 * thread of the shim after a grace period.  Pointer publication is a
 * release store, rcu_dereference() an acquire load.  The lockdep
 * conditions of rcu_dereference_check() and friends are checked: a
 * violation is recorded as a splat, which fails the test.
 */
#ifndef _SHIM_LINUX_RCUPDATE_H
#define _SHIM_LINUX_RCUPDATE_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/kernel.h>
#include <shim.h>

void shim_rcu_read_lock(void);
void shim_rcu_read_unlock(void);
bool shim_rcu_read_lock_held(void);
void shim_synchronize_rcu(const char *file, int line);
void shim_call_rcu(struct rcu_head *head, rcu_callback_t func);
void shim_kvfree_rcu(struct rcu_head *head, size_t offset);
void shim_rcu_barrier(void);

static inline void shim_rcu_check(bool ok, const char *file, int line,
				  const char *what)
{
	if (unlikely(!ok))
		shim_splat(file, line, "suspicious RCU usage: %s", what);
}

/* the benchmark leaves the checks out, as a production kernel does */
#ifdef SHIM_NO_LOCKDEP
#define shim_rcu_lockdep(ok, file, line, what)	((void)0)
#else
#define shim_rcu_lockdep(ok, file, line, what)	shim_rcu_check(ok, file, line, what)
#endif

#define rcu_read_lock()			shim_rcu_read_lock()
#define rcu_read_unlock()		shim_rcu_read_unlock()
#define rcu_read_lock_held()		shim_rcu_read_lock_held()
#define rcu_read_lock_any_held()	(shim_rcu_read_lock_held() || shim_in_atomic())
#define rcu_read_lock_bh()		do { shim_preempt_disable(); rcu_read_lock(); } while (0)
#define rcu_read_unlock_bh()		do { rcu_read_unlock(); shim_preempt_enable(); } while (0)
#define rcu_read_lock_sched()		do { shim_preempt_disable(); rcu_read_lock(); } while (0)
#define rcu_read_unlock_sched()		do { rcu_read_unlock(); shim_preempt_enable(); } while (0)
#define rcu_is_watching()		true
#define RCU_LOCKDEP_WARN(c, s)		shim_rcu_lockdep(!(c), __FILE__, __LINE__, s)

#define synchronize_rcu()		shim_synchronize_rcu(__FILE__, __LINE__)
#define synchronize_rcu_expedited()	shim_synchronize_rcu(__FILE__, __LINE__)
#define call_rcu(head, func)		shim_call_rcu(head, func)
#define call_rcu_hurry(head, func)	shim_call_rcu(head, func)
#define rcu_barrier()			shim_rcu_barrier()

#define rcu_dereference_raw(p)		__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_access_pointer(p)		__atomic_load_n(&(p), __ATOMIC_RELAXED)

/*
 * A link followed with rcu_dereference_check() (as chain walks do) or
 * rcu_dereference_protected() is counted (shim_hlist_walks: links read,
 * shim_hlist_nodes: those that led somewhere) and shown to the reader's
 * or the writers' visit hook (shim.h).
 */
#define __shim_rcu_deref(p, c, what) ({					\
	shim_rcu_lockdep((c) || shim_rcu_read_lock_held(), __FILE__,	\
		       __LINE__, what "(" #p ")");			\
	rcu_dereference_raw(p);						\
})
#define rcu_dereference_check(p, c) ({					\
	__typeof__(p) __shim_v = __shim_rcu_deref(p, c, "rcu_dereference_check"); \
	shim_hlist_walks++;						\
	if (__shim_v)							\
		shim_hlist_visit(__shim_v);				\
	__shim_v;							\
})
#define rcu_dereference(p)		__shim_rcu_deref(p, 0, "rcu_dereference")
#define rcu_dereference_bh(p)		rcu_dereference_check(p, 0)
#define rcu_dereference_sched(p)	rcu_dereference_check(p, shim_in_atomic())
#define rcu_dereference_protected(p, c) ({				\
	__typeof__(p) __shim_v;						\
	shim_rcu_lockdep(!!(c), __FILE__, __LINE__,			\
		       "rcu_dereference_protected(" #p ")");		\
	__shim_v = rcu_dereference_raw(p);				\
	shim_hlist_walks++;						\
	if (__shim_v)							\
		shim_hlist_writer_visit(__shim_v);			\
	__shim_v;							\
})
#define rcu_pointer_handoff(p)		(p)

#define rcu_assign_pointer(p, v)					\
	__atomic_store_n(&(p), (__typeof__(p))(v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)		WRITE_ONCE(p, v)
#define RCU_INITIALIZER(v)		(v)
#define rcu_replace_pointer(p, v, c) ({					\
	__typeof__(p) __old = rcu_dereference_protected(p, c);		\
	rcu_assign_pointer(p, v);					\
	__old;								\
})

/* kfree_rcu(ptr, field) and kvfree_rcu(ptr, field); NULL is ignored */
#define kvfree_rcu(ptr, field) do {					\
	__typeof__(ptr) ___p = (ptr);					\
	if (___p)							\
		shim_kvfree_rcu(&___p->field,				\
				offsetof(__typeof__(*___p), field));	\
} while (0)
#define kfree_rcu(ptr, field)		kvfree_rcu(ptr, field)

#endif /* _SHIM_LINUX_RCUPDATE_H */
