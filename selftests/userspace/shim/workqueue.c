// SPDX-License-Identifier: GPL-2.0
/*
 * Deferred work: one worker thread, started on first use, runs queued
 * items in order, in process context, registered with RCU.  Items are
 * never run twice at once (there is one worker) and may requeue
 * themselves or free themselves from their function.
 */
#include <stdlib.h>

#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/workqueue.h>
#include <shim.h>

struct workqueue_struct {
	const char *name;
};

static struct workqueue_struct shim_wq = { "events" };
struct workqueue_struct *system_wq = &shim_wq;
struct workqueue_struct *system_long_wq = &shim_wq;
struct workqueue_struct *system_unbound_wq = &shim_wq;
struct workqueue_struct *system_highpri_wq = &shim_wq;
struct workqueue_struct *system_power_efficient_wq = &shim_wq;

/* shim_wq_lock guards the queue, every work's pending flag, and below */
static pthread_mutex_t shim_wq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t shim_wq_more = PTHREAD_COND_INITIALIZER;
static pthread_cond_t shim_wq_progress = PTHREAD_COND_INITIALIZER;
static LIST_HEAD(shim_wq_queue);
static struct work_struct *shim_wq_running;
static unsigned long shim_wq_executed;
static bool shim_wq_started;
static unsigned long shim_wq_worker_id;

void shim_init_work(struct work_struct *work, work_func_t func)
{
	INIT_LIST_HEAD(&work->entry);
	work->func = func;
	WRITE_ONCE(work->pending, false);
}

static void *shim_wq_worker(void *arg)
{
	struct work_struct *work;

	__atomic_store_n(&shim_wq_worker_id, shim_current()->id,
			 __ATOMIC_RELAXED);
	pthread_mutex_lock(&shim_wq_lock);
	for (;;) {
		while (list_empty(&shim_wq_queue))
			pthread_cond_wait(&shim_wq_more, &shim_wq_lock);
		work = list_first_entry(&shim_wq_queue, struct work_struct, entry);
		list_del_init(&work->entry);
		WRITE_ONCE(work->pending, false);
		shim_wq_running = work;
		pthread_mutex_unlock(&shim_wq_lock);

		work->func(work);
		if (shim_current()->preempt_count || shim_current()->rcu_depth)
			shim_splat(__FILE__, __LINE__,
				   "work function %p returned in atomic context",
				   (void *)work->func);

		pthread_mutex_lock(&shim_wq_lock);
		shim_wq_running = NULL;
		shim_wq_executed++;
		pthread_cond_broadcast(&shim_wq_progress);
	}
	return NULL;
}

bool queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	pthread_t worker;

	pthread_mutex_lock(&shim_wq_lock);
	if (work->pending) {
		pthread_mutex_unlock(&shim_wq_lock);
		return false;
	}
	WRITE_ONCE(work->pending, true);
	list_add_tail(&work->entry, &shim_wq_queue);
	if (!shim_wq_started) {
		if (shim_thread_create(&worker, shim_wq_worker, NULL)) {
			fprintf(stderr, "shim: cannot start the work worker\n");
			abort();
		}
		pthread_detach(worker);
		shim_wq_started = true;
	}
	pthread_cond_signal(&shim_wq_more);
	pthread_mutex_unlock(&shim_wq_lock);
	return true;
}

static bool shim_on_worker(void)
{
	return __atomic_load_n(&shim_wq_worker_id, __ATOMIC_RELAXED) ==
	       shim_current()->id;
}

bool cancel_work(struct work_struct *work)
{
	bool was_pending;

	pthread_mutex_lock(&shim_wq_lock);
	was_pending = work->pending;
	if (was_pending) {
		list_del_init(&work->entry);
		WRITE_ONCE(work->pending, false);
	}
	pthread_mutex_unlock(&shim_wq_lock);
	return was_pending;
}

bool cancel_work_sync(struct work_struct *work)
{
	bool was_pending;

	shim_might_sleep("cancel_work_sync()", __FILE__, __LINE__);
	pthread_mutex_lock(&shim_wq_lock);
	was_pending = work->pending;
	if (was_pending) {
		list_del_init(&work->entry);
		WRITE_ONCE(work->pending, false);
	}
	if (shim_wq_running == work && shim_on_worker()) {
		shim_splat(__FILE__, __LINE__,
			   "cancel_work_sync() of the running work from itself");
		shim_die();
	}
	while (shim_wq_running == work)
		pthread_cond_wait(&shim_wq_progress, &shim_wq_lock);
	pthread_mutex_unlock(&shim_wq_lock);
	return was_pending;
}

bool flush_work(struct work_struct *work)
{
	bool waited = false;

	shim_might_sleep("flush_work()", __FILE__, __LINE__);
	pthread_mutex_lock(&shim_wq_lock);
	while (work->pending || shim_wq_running == work) {
		if (shim_on_worker()) {
			shim_splat(__FILE__, __LINE__,
				   "flush_work() from the worker would deadlock");
			shim_die();
		}
		waited = true;
		pthread_cond_wait(&shim_wq_progress, &shim_wq_lock);
	}
	pthread_mutex_unlock(&shim_wq_lock);
	return waited;
}

void shim_workqueue_drain(void)
{
	pthread_mutex_lock(&shim_wq_lock);
	while (!list_empty(&shim_wq_queue) || shim_wq_running)
		pthread_cond_wait(&shim_wq_progress, &shim_wq_lock);
	pthread_mutex_unlock(&shim_wq_lock);
}

void flush_workqueue(struct workqueue_struct *wq)
{
	shim_might_sleep("flush_workqueue()", __FILE__, __LINE__);
	if (shim_on_worker()) {
		shim_splat(__FILE__, __LINE__,
			   "flush_workqueue() from the worker would deadlock");
		shim_die();
	}
	shim_workqueue_drain();
}

struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
					 int max_active, ...)
{
	might_sleep();
	return &shim_wq;
}

void destroy_workqueue(struct workqueue_struct *wq)
{
	flush_workqueue(wq);
}

unsigned long shim_work_executed(void)
{
	unsigned long n;

	pthread_mutex_lock(&shim_wq_lock);
	n = shim_wq_executed;
	pthread_mutex_unlock(&shim_wq_lock);
	return n;
}
