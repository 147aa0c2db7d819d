// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of shadow ids: registration, reference counting by id, and
 * garbage collection when the last registration of an id goes.
 */

#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "class.h"
#include "ids.h"
#include "internal.h"
#include "shadow.h"
#include "store.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/**
 * DOC: shadow concurrency rules
 *
 * - klpx_shadow_mutex guards the list of classes (one per registered id),
 *   every class's @refs, and the @class pointer of every registered
 *   klpx_shadow_type.  Registration, unregistration and garbage collection
 *   run under it, so they may sleep and never run concurrently.
 *
 * - Lookups (klpx_shadow_get(), and the first step of every other call)
 *   find the class without a lock: through type->class when the type is
 *   registered, else by walking the list with RCU.  The store is then
 *   searched under RCU as well (see store.c).
 *
 * - Every change to an id's variables (alloc, free, free_all, resize steps)
 *   takes that id's own spinlock, with IRQs disabled, so that GFP_ATOMIC
 *   callers in any non-NMI context are supported (on PREEMPT_RT, where
 *   that lock sleeps, any context a spinlock_t may be taken in).  Ids
 *   never share a lock, nor a lockdep class.  Nothing is woken under it:
 *   resizes are queued through an irq_work.
 *
 * - An allocation may sleep between finding the class and taking its lock;
 *   it holds klpx_shadow_srcu for reading meanwhile.
 *
 * - Garbage collection of an id: remove the class from the list and clear
 *   the last type->class (new lookups miss), mark it dead under its lock
 *   (changes in flight fail), wait for SRCU (allocations in flight) and RCU
 *   (lockless readers and frees), then destroy every variable with the
 *   unregistering type's dtor and wait for the frees queued earlier with
 *   call_rcu() before the slab cache goes.  Ids whose last registrations
 *   go together (klpx_shadow_unregister_many()) share those waits.
 *
 * - Lookups and a creation's first steps run with preemption off
 *   (klpx_shadow_read_lock()), not inside rcu_read_lock().  Every free
 *   they can reach waits for normal RCU, which covers such sections: the
 *   class (synchronize_rcu() above), a table a resize replaced and a
 *   freed variable (call_rcu()).  None relies on SRCU alone or on
 *   RCU-tasks, which do not wait for them.
 *
 * - With lockdep, each id's lock has a lockdep key of its own, so that
 *   lockdep tells ids apart (sharing keys among ids would carry one id's
 *   lock ordering over to another).  lockdep_unregister_key() waits for a
 *   grace period per key, so with lockdep the keys of collected ids are
 *   unregistered, and their classes freed, by a work item after the
 *   collection, out of klpx_shadow_mutex: collecting N ids at once waits
 *   for the same grace periods as collecting one, lockdep or not.
 *
 * - A type's setup and release run under klpx_shadow_mutex, in process
 *   context: setup when the id's first registration is made, release
 *   after the id's variables are gone and its slab objects freed.  So a
 *   release always ends before a later registration of the id runs its
 *   setup, and neither overlaps any other registration.
 */

/* The classes, one per registered id, and the slab caches: see DOC. */
static LIST_HEAD(klpx_shadow_classes);
static LIST_HEAD(klpx_shadow_caches);

/*
 * With lockdep, classes collected and drained, linked by their @gc_node,
 * whose keys are still to be unregistered and memory freed: by
 * klpx_shadow_reap_work, which waits for one grace period per key, out
 * of klpx_shadow_mutex.  The list is guarded by klpx_shadow_reap_lock.
 */
static LIST_HEAD(klpx_shadow_reaped);
static DEFINE_SPINLOCK(klpx_shadow_reap_lock);

static void klpx_shadow_free_classes(struct list_head *classes)
{
	struct klpx_shadow_class *class, *tmp;

	list_for_each_entry_safe(class, tmp, classes, gc_node)
		klpx_shadow_class_free(class);
	INIT_LIST_HEAD(classes);
}

static void klpx_shadow_reap(struct work_struct *work)
{
	LIST_HEAD(reap);

	spin_lock(&klpx_shadow_reap_lock);
	list_splice_init(&klpx_shadow_reaped, &reap);
	spin_unlock(&klpx_shadow_reap_lock);
	klpx_shadow_free_classes(&reap);
}

static DECLARE_WORK(klpx_shadow_reap_work, klpx_shadow_reap);

/*
 * Free the classes on @dead, collected and drained: at once without
 * lockdep, where dropping their keys costs nothing; with lockdep, through
 * klpx_shadow_reap_work, queued once for the batch, so that their keys'
 * grace periods are waited for neither under klpx_shadow_mutex nor one
 * by one by the collection.
 */
static void klpx_shadow_retire(struct list_head *dead)
{
	if (!IS_ENABLED(CONFIG_LOCKDEP)) {
		klpx_shadow_free_classes(dead);
		return;
	}
	spin_lock(&klpx_shadow_reap_lock);
	list_splice_tail_init(dead, &klpx_shadow_reaped);
	spin_unlock(&klpx_shadow_reap_lock);
	schedule_work(&klpx_shadow_reap_work);
}

/* Make @class findable, or no longer.  Under klpx_shadow_mutex. */
static void klpx_shadow_class_list(struct klpx_shadow_class *class)
{
	list_add_tail_rcu(&class->node, &klpx_shadow_classes);
	klpx_shadow_id_add(class);
}

static void klpx_shadow_class_unlist(struct klpx_shadow_class *class)
{
	list_del_rcu(&class->node);
	klpx_shadow_id_del(class);
}

/*
 * The slab cache for variables of @size bytes of data, shared with the
 * other ids of that size; one more user.  Its name is unique among klpx's
 * caches (slab_nomerge refuses two caches of one name).
 */
static struct klpx_shadow_cache *klpx_shadow_cache_get(size_t size)
{
	size_t object_size = klpx_shadow_object_size(size);
	struct klpx_shadow_cache *cache;
	char name[sizeof("klpx_shadow_") + 20];

	lockdep_assert_held(&klpx_shadow_mutex);
	list_for_each_entry(cache, &klpx_shadow_caches, node) {
		if (cache->object_size == object_size) {
			cache->users++;
			return cache;
		}
	}
	cache = kzalloc(sizeof(*cache), GFP_KERNEL);
	if (!cache)
		return NULL;
	snprintf(name, sizeof(name), "klpx_shadow_%zu", object_size);
	cache->slab = kmem_cache_create(name, object_size,
					__alignof__(struct klpx_shadow_var),
					0, NULL);
	if (!cache->slab) {
		kfree(cache);
		return NULL;
	}
	cache->object_size = object_size;
	cache->users = 1;
	list_add(&cache->node, &klpx_shadow_caches);
	return cache;
}

/* One user less; the last destroys the cache, once no RCU free is pending. */
static void klpx_shadow_cache_put(struct klpx_shadow_cache *cache)
{
	lockdep_assert_held(&klpx_shadow_mutex);
	if (--cache->users)
		return;
	list_del(&cache->node);
	kmem_cache_destroy(cache->slab);
	kfree(cache);
}

/*
 * The id's version is the highest among its registrations: a registration
 * going may lower it.  Under klpx_shadow_mutex.
 */
static void klpx_shadow_class_update_version(struct klpx_shadow_class *class)
{
	struct klpx_shadow_type *type;

	class->version = 0;
	for (type = class->regs; type; type = type->reg_next)
		class->version = max(class->version, type->version);
}

/* May @type join the registered @class?  Logs why not. */
static int klpx_shadow_class_check(const struct klpx_shadow_class *class,
				   const struct klpx_shadow_type *type)
{
	if (strcmp(class->name, type->name) || class->size != type->size) {
		pr_err("shadow type %s (id 0x%lx, size %zu) conflicts with registered %s (id 0x%lx, size %zu)\n",
		       type->name, type->id, type->size,
		       class->name, class->id, class->size);
		return -EINVAL;
	}
	if (type->version < class->version) {
		pr_err("shadow type %s (id 0x%lx) version %u cannot join registered version %u: a version may be kept or raised, never lowered\n",
		       type->name, type->id, type->version, class->version);
		return -EINVAL;
	}
	return 0;
}

/* The first registration of @type's id: a new, empty class, listed. */
static struct klpx_shadow_class *
klpx_shadow_class_add(struct klpx_shadow_type *type)
{
	struct klpx_shadow_cache *cache;
	struct klpx_shadow_class *class;

	cache = klpx_shadow_cache_get(type->size);
	class = cache ? klpx_shadow_class_create(type) : ERR_PTR(-ENOMEM);
	if (IS_ERR(class)) {
		if (cache)
			klpx_shadow_cache_put(cache);
		pr_err("cannot register shadow type %s (id 0x%lx): error %d\n",
		       type->name, type->id, (int)PTR_ERR(class));
		return class;
	}
	class->cache = cache;
	klpx_shadow_class_list(class);
	return class;
}

/*
 * Collect the classes on @dead, which have left the list and hold no
 * registration: one wait for readers and one for pending frees serve them
 * all.  Then each id's release, once its variables are gone, and the
 * classes' own memory (klpx_shadow_retire()).  Called with
 * klpx_shadow_mutex held.
 */
static void __klpx_shadow_collect(struct list_head *dead)
{
	struct klpx_shadow_type *release;
	struct klpx_shadow_class *class;
	u64 start = 0;

	lockdep_assert_held(&klpx_shadow_mutex);
	if (list_empty(dead))
		return;
	if (trace_klpx_shadow_gc_enabled())
		start = ktime_get_ns();

	list_for_each_entry(class, dead, gc_node)
		klpx_shadow_class_kill(class);
	/* Allocations that found a class before it left the list... */
	synchronize_srcu(&klpx_shadow_srcu);
	/* ...and lockless readers and frees that did. */
	synchronize_rcu();
	list_for_each_entry(class, dead, gc_node)
		klpx_shadow_class_drain(class, class->gc_type ?
					class->gc_type->dtor : NULL);
	/* Variables freed earlier wait in call_rcu() for their caches. */
	rcu_barrier();
	list_for_each_entry(class, dead, gc_node) {
		/* Dead and drained: the count stands still. */
		trace_klpx_shadow_gc(class->id, class->name,
				     READ_ONCE(class->count),
				     start ? ktime_get_ns() - start : 0);
		release = class->gc_release ? class->gc_type : NULL;
		klpx_shadow_cache_put(class->cache);
		if (release && release->release)
			release->release(release);
	}
	klpx_shadow_retire(dead);
}

/* Drop @type's registration; queue its class on @dead if it was the last. */
static void __klpx_shadow_unregister(struct klpx_shadow_type *type,
				     struct list_head *dead)
{
	struct klpx_shadow_class *class;

	lockdep_assert_held(&klpx_shadow_mutex);
	class = type ? rcu_dereference_protected(type->class,
				lockdep_is_held(&klpx_shadow_mutex)) : NULL;
	if (WARN_ONCE(!class, "klpx: shadow type %s is not registered\n",
		      type && type->name ? type->name : "(null)"))
		return;

	RCU_INIT_POINTER(type->class, NULL);
	klpx_shadow_store_detach(class, type);
	trace_klpx_shadow_unregister(class->id, class->name, class->refs - 1);
	if (--class->refs) {
		klpx_shadow_class_update_version(class);
		return;
	}
	klpx_shadow_class_unlist(class);
	class->gc_type = type;
	class->gc_release = true;
	list_add_tail(&class->gc_node, dead);
}

/*
 * Run the setup of @type, which just made the first registration of its
 * id.  On failure the registration is undone: what setup left in the
 * store is destroyed with @type's dtor, and release does not run.
 */
static int klpx_shadow_setup(struct klpx_shadow_type *type)
{
	struct klpx_shadow_class *class;
	LIST_HEAD(dead);
	int ret;

	ret = type->setup(type);
	if (!ret)
		return 0;
	pr_err("shadow type %s (id 0x%lx): setup failed: %d; not registered\n",
	       type->name, type->id, ret);
	class = rcu_dereference_protected(type->class,
					  lockdep_is_held(&klpx_shadow_mutex));
	__klpx_shadow_unregister(type, &dead);
	class->gc_release = false;
	__klpx_shadow_collect(&dead);
	return ret;
}

/**
 * klpx_shadow_register() - register a shadow type
 * @type:	the type; @type->name must be set, internal members zeroed
 *
 * The first registration of an id creates its (empty) store, then runs
 * @type->setup, if any, before returning.  Later ones with the same id
 * share the store and take one more reference, without setup.  A
 * registration whose name or size differs from the registered id's, or
 * whose version is lower than the id's, is refused.
 *
 * Context: process context, may sleep; not from a setup or release.
 * Return: 0; -EINVAL if @type is NULL or unnamed, its size is more than
 * KMALLOC_MAX_SIZE less klpx's header, it is already registered, it
 * conflicts with the registered id, or its version is lower than the
 * id's; -ENOMEM; or the error @type->setup returned.
 */
int klpx_shadow_register(struct klpx_shadow_type *type)
{
	struct klpx_shadow_class *class;
	bool first = false;
	int ret = 0;

	if (!type || !type->name) {
		pr_err("cannot register %s\n",
		       type ? "a shadow type without a name" : "a NULL shadow type");
		return -EINVAL;
	}
	if (type->size > KLPX_SHADOW_MAX_SIZE) {
		pr_err("cannot register shadow type %s (id 0x%lx): size %zu is more than any allocation can hold (at most %zu)\n",
		       type->name, type->id, type->size,
		       (size_t)KLPX_SHADOW_MAX_SIZE);
		return -EINVAL;
	}
	might_sleep();

	mutex_lock(&klpx_shadow_mutex);
	if (rcu_access_pointer(type->class)) {
		pr_err("shadow type %s (id 0x%lx) is already registered\n",
		       type->name, type->id);
		ret = -EINVAL;
		goto out;
	}

	class = klpx_shadow_class_find(type->id);
	if (class) {
		ret = klpx_shadow_class_check(class, type);
		if (ret)
			goto out;
	} else {
		class = klpx_shadow_class_add(type);
		if (IS_ERR(class)) {
			ret = PTR_ERR(class);
			goto out;
		}
		first = true;
	}
	class->refs++;
	klpx_shadow_store_attach(class, type);
	class->version = max(class->version, type->version);
	rcu_assign_pointer(type->class, class);
	trace_klpx_shadow_register(class->id, class->name, class->refs);
	/* A failing setup undoes the registration, and traces that too. */
	if (first && type->setup)
		ret = klpx_shadow_setup(type);
out:
	mutex_unlock(&klpx_shadow_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(klpx_shadow_register);

/**
 * klpx_shadow_unregister() - drop a registration of a shadow type
 * @type:	a type registered with klpx_shadow_register()
 *
 * When this was the last registration of @type->id, every variable of the
 * id is removed, @type->dtor (if any) is called once for each, the memory
 * is freed, and then @type->release (if any) runs once, all before this
 * returns.  A later registration of the id starts empty.  Unregistering a
 * type that is not registered WARNs once and does nothing else.
 *
 * Context: process context, may sleep (waits for RCU readers); not from a
 * setup or release.
 */
void klpx_shadow_unregister(struct klpx_shadow_type *type)
{
	klpx_shadow_unregister_many(&type, 1);
}
EXPORT_SYMBOL_GPL(klpx_shadow_unregister);

void klpx_shadow_unregister_many(struct klpx_shadow_type **types,
				 unsigned int nr)
{
	LIST_HEAD(dead);
	unsigned int i;

	mutex_lock(&klpx_shadow_mutex);
	for (i = 0; i < nr; i++)
		__klpx_shadow_unregister(types[i], &dead);
	__klpx_shadow_collect(&dead);
	mutex_unlock(&klpx_shadow_mutex);
}

void klpx_shadow_flush_collected(void)
{
	flush_work(&klpx_shadow_reap_work);
}

void klpx_shadow_walk_classes(void (*fn)(const struct klpx_shadow_stat *st,
					 void *arg),
			      void *arg)
{
	struct klpx_shadow_class *class;
	struct klpx_shadow_stat st;

	mutex_lock(&klpx_shadow_mutex);
	list_for_each_entry(class, &klpx_shadow_classes, node) {
		st.id = class->id;
		st.name = class->name;
		st.size = class->size;
		st.refs = class->refs;
		st.live = READ_ONCE(class->count);
		st.version = class->version;
		fn(&st, arg);
	}
	mutex_unlock(&klpx_shadow_mutex);
}

void klpx_shadow_exit(void)
{
	struct klpx_shadow_class *class, *tmp;

	LIST_HEAD(dead);

	mutex_lock(&klpx_shadow_mutex);
	list_for_each_entry_safe(class, tmp, &klpx_shadow_classes, node) {
		/* Its owners are gone: their dtors cannot be called. */
		pr_warn("shadow type %s (id 0x%lx) still registered at exit; freeing %lu variables without dtor\n",
			class->name, class->id, READ_ONCE(class->count));
		klpx_shadow_class_unlist(class);
		class->gc_type = NULL;
		class->gc_release = false;
		list_add_tail(&class->gc_node, &dead);
	}
	__klpx_shadow_collect(&dead);
	mutex_unlock(&klpx_shadow_mutex);
	/* Nor may the freeing of collected classes... */
	klpx_shadow_flush_collected();
	/* ...or any call_rcu() callback of ours. */
	rcu_barrier();
}
