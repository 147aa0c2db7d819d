// SPDX-License-Identifier: GPL-2.0
/*
 * RCU for the shims: liburcu (memb flavour) readers and grace periods,
 * callbacks run by a worker thread of our own after a grace period, and
 * sleepable RCU domains counted by hand (see <linux/srcu.h>).
 *
 * Under ThreadSanitizer, which cannot see liburcu's synchronisation, the
 * end of every reader releases a token that the end of every grace period
 * acquires: what a reader did happens before what follows the grace
 * period that waited for it.
 */
#include <sched.h>
#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SHIM_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define SHIM_TSAN 1
#endif

/*
 * liburcu's inline fast paths synchronise through plain accesses that
 * ThreadSanitizer would report; under it, call the (uninstrumented)
 * library instead.
 */
#ifdef SHIM_TSAN
#undef _LGPL_SOURCE
#endif
#include <urcu/urcu-memb.h>

/* the kernel's names below are the shim's, not liburcu's */
#undef rcu_dereference
#undef rcu_assign_pointer
#undef rcu_read_lock
#undef rcu_read_unlock
#undef synchronize_rcu
#undef call_rcu
#undef rcu_barrier

#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <shim.h>

#ifdef SHIM_TSAN
#include <sanitizer/tsan_interface.h>
static char shim_rcu_hb_token;
#define shim_hb_release()	__tsan_release(&shim_rcu_hb_token)
#define shim_hb_acquire()	__tsan_acquire(&shim_rcu_hb_token)
#else
#define shim_hb_release()	do { } while (0)
#define shim_hb_acquire()	do { } while (0)
#endif

/* threads */

static pthread_key_t shim_thread_key;
static pthread_once_t shim_thread_key_once = PTHREAD_ONCE_INIT;

static void shim_thread_key_dtor(void *arg)
{
	struct shim_task *t = shim_current();

	if (t->rcu_online) {
		urcu_memb_unregister_thread();
		t->rcu_online = false;
	}
}

static void shim_thread_key_init(void)
{
	pthread_key_create(&shim_thread_key, shim_thread_key_dtor);
}

void shim_thread_enter(void)
{
	struct shim_task *t = shim_current();

	if (t->rcu_online)
		return;
	pthread_once(&shim_thread_key_once, shim_thread_key_init);
	urcu_memb_register_thread();
	t->rcu_online = true;
	/* unregisters at thread exit if shim_thread_exit() was not called */
	pthread_setspecific(shim_thread_key, t);
}

void shim_thread_exit(void)
{
	struct shim_task *t = shim_current();

	if (t->rcu_depth || t->srcu_depth || t->preempt_count || t->irqs_off ||
	    t->hardirq || t->softirq || t->bh_off || t->nr_held)
		shim_splat(__FILE__, __LINE__,
			   "thread exits in atomic context, inside a reader or holding a lock");
	if (!t->rcu_online)
		return;
	urcu_memb_unregister_thread();
	t->rcu_online = false;
	pthread_setspecific(shim_thread_key, NULL);
}

struct shim_thread_start {
	void *(*fn)(void *arg);
	void *arg;
	unsigned int sched_index;
};

/* threads created so far: gives each its schedule stream (shim.h) */
static unsigned int shim_threads_created;

static void *shim_thread_main(void *p)
{
	struct shim_thread_start start = *(struct shim_thread_start *)p;
	void *ret;

	free(p);
	shim_current()->sched_index = start.sched_index;
	shim_thread_enter();
	ret = start.fn(start.arg);
	shim_thread_exit();
	return ret;
}

int shim_thread_create(pthread_t *thread, void *(*fn)(void *arg), void *arg)
{
	struct shim_thread_start *start = malloc(sizeof(*start));
	int err;

	if (!start)
		return -ENOMEM;
	start->fn = fn;
	start->arg = arg;
	start->sched_index = __atomic_add_fetch(&shim_threads_created, 1,
						__ATOMIC_RELAXED);
	err = pthread_create(thread, NULL, shim_thread_main, start);
	if (err)
		free(start);
	return -err;
}

/* readers and grace periods */

static unsigned long shim_gp_waiters, shim_gp_completed;

void shim_rcu_read_lock(void)
{
	struct shim_task *t = shim_current();

	if (unlikely(!t->rcu_online)) {
		shim_splat(__FILE__, __LINE__,
			   "RCU reader on a thread unknown to RCU");
		shim_thread_enter();
	}
	urcu_memb_read_lock();
	t->rcu_depth++;
}

void shim_rcu_read_unlock(void)
{
	struct shim_task *t = shim_current();

	if (unlikely(t->rcu_depth <= 0)) {
		shim_splat(__FILE__, __LINE__, "unbalanced rcu_read_unlock()");
		return;
	}
	t->rcu_depth--;
	shim_hb_release();
	urcu_memb_read_unlock();
	shim_sched_point();
}

bool shim_rcu_read_lock_held(void)
{
	return shim_current()->rcu_depth > 0;
}

void shim_synchronize_rcu(const char *file, int line)
{
	struct shim_task *t = shim_current();

	shim_might_sleep("synchronize_rcu()", file, line);
	if (t->rcu_depth > 0) {
		/* liburcu would wait for ourselves forever */
		shim_splat(file, line, "synchronize_rcu() inside an RCU reader");
		shim_die();
	}
	if (!t->rcu_online)
		shim_thread_enter();
	__atomic_fetch_add(&shim_gp_waiters, 1, __ATOMIC_SEQ_CST);
	urcu_memb_synchronize_rcu();
	__atomic_fetch_sub(&shim_gp_waiters, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&shim_gp_completed, 1, __ATOMIC_SEQ_CST);
	shim_hb_acquire();
}

unsigned long shim_rcu_gp_waiters(void)
{
	return __atomic_load_n(&shim_gp_waiters, __ATOMIC_SEQ_CST);
}

unsigned long shim_rcu_gp_completed(void)
{
	return __atomic_load_n(&shim_gp_completed, __ATOMIC_SEQ_CST);
}

/* callbacks */

/* an rcu_head whose func is below this is a kvfree_rcu() offset */
#define SHIM_KVFREE_RCU_MAX_OFFSET	4096UL

/* shim_cb_lock guards the queue and the counters below */
static pthread_mutex_t shim_cb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t shim_cb_more = PTHREAD_COND_INITIALIZER;
static pthread_cond_t shim_cb_done = PTHREAD_COND_INITIALIZER;
static struct rcu_head *shim_cb_head, **shim_cb_tail = &shim_cb_head;
static unsigned long shim_cb_queued, shim_cb_invoked;
static bool shim_cb_worker_started;

static void shim_cb_invoke(struct rcu_head *head)
{
	unsigned long offset = (unsigned long)head->func;

	/* RCU callbacks run in softirq context: they may not sleep */
	shim_preempt_disable();
	if (offset < SHIM_KVFREE_RCU_MAX_OFFSET)
		shim_free(SHIM_KVMALLOC, (char *)head - offset, NULL, __FILE__,
			  __LINE__);
	else
		head->func(head);
	shim_preempt_enable();
}

static void *shim_cb_worker(void *arg)
{
	for (;;) {
		struct rcu_head *batch, *next;
		unsigned long upto;

		pthread_mutex_lock(&shim_cb_lock);
		while (!shim_cb_head)
			pthread_cond_wait(&shim_cb_more, &shim_cb_lock);
		batch = shim_cb_head;
		shim_cb_head = NULL;
		shim_cb_tail = &shim_cb_head;
		upto = shim_cb_queued;
		pthread_mutex_unlock(&shim_cb_lock);

		shim_synchronize_rcu(__FILE__, __LINE__);
		for (; batch; batch = next) {
			next = batch->next;
			shim_cb_invoke(batch);
		}

		pthread_mutex_lock(&shim_cb_lock);
		shim_cb_invoked = upto;
		pthread_cond_broadcast(&shim_cb_done);
		pthread_mutex_unlock(&shim_cb_lock);
	}
	return NULL;
}

/* caller holds shim_cb_lock */
static void shim_cb_queue(struct rcu_head *head)
{
	pthread_t worker;

	head->next = NULL;
	*shim_cb_tail = head;
	shim_cb_tail = &head->next;
	shim_cb_queued++;
	if (!shim_cb_worker_started) {
		if (shim_thread_create(&worker, shim_cb_worker, NULL)) {
			fprintf(stderr, "shim: cannot start the RCU callback worker\n");
			abort();
		}
		pthread_detach(worker);
		shim_cb_worker_started = true;
	}
	pthread_cond_signal(&shim_cb_more);
}

void shim_call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	if (WARN_ON((unsigned long)func < SHIM_KVFREE_RCU_MAX_OFFSET))
		return;
	pthread_mutex_lock(&shim_cb_lock);
	head->func = func;
	shim_cb_queue(head);
	pthread_mutex_unlock(&shim_cb_lock);
}

void shim_kvfree_rcu(struct rcu_head *head, size_t offset)
{
	if (WARN_ON(offset >= SHIM_KVFREE_RCU_MAX_OFFSET))
		return;
	pthread_mutex_lock(&shim_cb_lock);
	head->func = (rcu_callback_t)offset;
	shim_cb_queue(head);
	pthread_mutex_unlock(&shim_cb_lock);
}

void shim_rcu_barrier(void)
{
	unsigned long upto;

	shim_might_sleep("rcu_barrier()", __FILE__, __LINE__);
	pthread_mutex_lock(&shim_cb_lock);
	upto = shim_cb_queued;
	while (shim_cb_invoked < upto)
		pthread_cond_wait(&shim_cb_done, &shim_cb_lock);
	pthread_mutex_unlock(&shim_cb_lock);
}

/* sleepable RCU */

int init_srcu_struct(struct srcu_struct *ssp)
{
	ssp->readers[0] = 0;
	ssp->readers[1] = 0;
	ssp->slot = 0;
	pthread_mutex_init(&ssp->gp_lock, NULL);
	ssp->name = "srcu";
	return 0;
}

void cleanup_srcu_struct(struct srcu_struct *ssp)
{
	WARN_ON(__atomic_load_n(&ssp->readers[0], __ATOMIC_SEQ_CST) ||
		__atomic_load_n(&ssp->readers[1], __ATOMIC_SEQ_CST));
}

int shim_srcu_read_lock(struct srcu_struct *ssp)
{
	int idx = __atomic_load_n(&ssp->slot, __ATOMIC_RELAXED) & 1;

	__atomic_fetch_add(&ssp->readers[idx], 1, __ATOMIC_SEQ_CST);
	/* pairs with the fence in shim_synchronize_srcu() */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	shim_current()->srcu_depth++;
	return idx;
}

void shim_srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
	struct shim_task *t = shim_current();

	if (unlikely(t->srcu_depth <= 0 || (idx & ~1))) {
		shim_splat(__FILE__, __LINE__, "unbalanced srcu_read_unlock(%s)",
			   ssp->name);
		return;
	}
	t->srcu_depth--;
	__atomic_fetch_sub(&ssp->readers[idx], 1, __ATOMIC_RELEASE);
}

static void shim_srcu_drain(struct srcu_struct *ssp, int idx)
{
	unsigned int spins = 0;

	while (__atomic_load_n(&ssp->readers[idx], __ATOMIC_ACQUIRE)) {
		if (++spins < 64) {
			sched_yield();
		} else {
			struct timespec ts = { 0, 50000 };

			nanosleep(&ts, NULL);
		}
	}
}

static unsigned long shim_srcu_waiters;

unsigned long shim_srcu_gp_waiters(void)
{
	return __atomic_load_n(&shim_srcu_waiters, __ATOMIC_SEQ_CST);
}

void shim_synchronize_srcu(struct srcu_struct *ssp, const char *file, int line)
{
	int round, old;

	shim_might_sleep("synchronize_srcu()", file, line);
	if (shim_current()->srcu_depth > 0)
		shim_splat(file, line, "synchronize_srcu(%s) inside an SRCU reader",
			   ssp->name);
	__atomic_fetch_add(&shim_srcu_waiters, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&ssp->gp_lock);
	/* pairs with the fence in shim_srcu_read_lock() */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (round = 0; round < 2; round++) {
		old = __atomic_load_n(&ssp->slot, __ATOMIC_RELAXED) & 1;
		__atomic_store_n(&ssp->slot, old ^ 1, __ATOMIC_SEQ_CST);
		shim_srcu_drain(ssp, old);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&ssp->gp_lock);
	__atomic_fetch_sub(&shim_srcu_waiters, 1, __ATOMIC_SEQ_CST);
}
