// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of shadow ids: registration, reference counting by id, and
 * garbage collection when the last registration of an id goes.
 */

#define pr_fmt(fmt) "klpx: " fmt

#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "internal.h"
#include "shadow.h"

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
 *   call_rcu() before the slab cache goes.
 */

/*
 * Guards klpx_shadow_classes, class->refs, type->class and the list of
 * slab caches; see DOC above.
 */
static DEFINE_MUTEX(klpx_shadow_mutex);
static LIST_HEAD(klpx_shadow_classes);
static LIST_HEAD(klpx_shadow_caches);

/*
 * The classes again, hashed by id, for lookups by id: those of a type
 * struct that is not itself registered would otherwise walk every id.
 * Fixed size: patches hold tens of ids, not thousands.
 */
#define KLPX_SHADOW_ID_BITS	8
static struct hlist_head klpx_shadow_ids[1 << KLPX_SHADOW_ID_BITS];

DEFINE_SRCU(klpx_shadow_srcu);

static struct klpx_shadow_class *klpx_shadow_class_find(unsigned long id)
{
	struct klpx_shadow_class *class;

	hlist_for_each_entry_rcu(class,
				 &klpx_shadow_ids[hash_long(id, KLPX_SHADOW_ID_BITS)],
				 id_node, lockdep_is_held(&klpx_shadow_mutex)) {
		if (class->id == id)
			return class;
	}
	return NULL;
}

/* Make @class findable, or no longer.  Under klpx_shadow_mutex. */
static void klpx_shadow_class_list(struct klpx_shadow_class *class)
{
	list_add_tail_rcu(&class->node, &klpx_shadow_classes);
	hlist_add_head_rcu(&class->id_node,
			   &klpx_shadow_ids[hash_long(class->id,
						      KLPX_SHADOW_ID_BITS)]);
}

static void klpx_shadow_class_unlist(struct klpx_shadow_class *class)
{
	list_del_rcu(&class->node);
	hlist_del_rcu(&class->id_node);
}

/*
 * The slow half of klpx_shadow_class_of(): a struct that is not registered
 * itself may share a live id.  Under rcu_read_lock().
 */
struct klpx_shadow_class *klpx_shadow_class_find_rcu(unsigned long id)
{
	return klpx_shadow_class_find(id);
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

void klpx_shadow_report_unregistered(const struct klpx_shadow_type *type)
{
	if (!type)
		pr_err_ratelimited("NULL shadow type\n");
	else
		pr_err_ratelimited("shadow type %s (id %lu) is not registered\n",
				   type->name ? type->name : "(unnamed)",
				   type->id);
}

/**
 * klpx_shadow_register() - register a shadow type
 * @type:	the type; @type->name must be set, internal members zeroed
 *
 * The first registration of an id creates its (empty) store; later ones
 * with the same id share it and take one more reference.  A registration
 * whose name or size differs from the registered id's is refused.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL if @type is NULL or unnamed, its size is more than
 * KMALLOC_MAX_SIZE less klpx's header, it is already registered, or it
 * conflicts with the registered id; -ENOMEM.
 */
int klpx_shadow_register(struct klpx_shadow_type *type)
{
	struct klpx_shadow_cache *cache;
	struct klpx_shadow_class *class;
	int ret = 0;

	if (!type || !type->name) {
		pr_err("cannot register %s\n",
		       type ? "a shadow type without a name" : "a NULL shadow type");
		return -EINVAL;
	}
	if (type->size > KLPX_SHADOW_MAX_SIZE) {
		pr_err("cannot register shadow type %s (id %lu): size %zu is more than any allocation can hold (at most %zu)\n",
		       type->name, type->id, type->size,
		       (size_t)KLPX_SHADOW_MAX_SIZE);
		return -EINVAL;
	}
	might_sleep();

	mutex_lock(&klpx_shadow_mutex);
	if (rcu_access_pointer(type->class)) {
		pr_err("shadow type %s (id %lu) is already registered\n",
		       type->name, type->id);
		ret = -EINVAL;
		goto out;
	}

	class = klpx_shadow_class_find(type->id);
	if (class) {
		if (strcmp(class->name, type->name) || class->size != type->size) {
			pr_err("shadow type %s (id %lu, size %zu) conflicts with registered %s (id %lu, size %zu)\n",
			       type->name, type->id, type->size,
			       class->name, class->id, class->size);
			ret = -EINVAL;
			goto out;
		}
		class->refs++;
	} else {
		cache = klpx_shadow_cache_get(type->size);
		class = cache ? klpx_shadow_class_create(type) : ERR_PTR(-ENOMEM);
		if (IS_ERR(class)) {
			if (cache)
				klpx_shadow_cache_put(cache);
			ret = PTR_ERR(class);
			pr_err("cannot register shadow type %s (id %lu): error %d\n",
			       type->name, type->id, ret);
			goto out;
		}
		class->cache = cache;
		class->refs = 1;
		klpx_shadow_class_list(class);
	}
	rcu_assign_pointer(type->class, class);
	trace_klpx_shadow_register(class->id, class->name, class->refs);
out:
	mutex_unlock(&klpx_shadow_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(klpx_shadow_register);

/*
 * Collect the classes on @dead, which have left the list and hold no
 * registration: one wait for readers and one for pending frees serve them
 * all.  Called with klpx_shadow_mutex held.
 */
static void __klpx_shadow_collect(struct list_head *dead)
{
	struct klpx_shadow_class *class, *tmp;
	struct klpx_shadow_cache *cache;
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
		klpx_shadow_class_drain(class, class->gc_dtor);
	/* Variables freed earlier wait in call_rcu() for their caches. */
	rcu_barrier();
	list_for_each_entry_safe(class, tmp, dead, gc_node) {
		/* Dead and drained: the count stands still. */
		trace_klpx_shadow_gc(class->id, class->name,
				     READ_ONCE(class->count),
				     start ? ktime_get_ns() - start : 0);
		cache = class->cache;
		klpx_shadow_class_free(class);
		klpx_shadow_cache_put(cache);
	}
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
	trace_klpx_shadow_unregister(class->id, class->name, class->refs - 1);
	if (--class->refs)
		return;
	klpx_shadow_class_unlist(class);
	class->gc_dtor = type->dtor;
	list_add_tail(&class->gc_node, dead);
}

/**
 * klpx_shadow_unregister() - drop a registration of a shadow type
 * @type:	a type registered with klpx_shadow_register()
 *
 * When this was the last registration of @type->id, every variable of the
 * id is removed, @type->dtor (if any) is called once for each, and the
 * memory is freed, all before this returns.  A later registration of the id
 * starts empty.  Unregistering a type that is not registered WARNs once and
 * does nothing else.
 *
 * Context: process context, may sleep (waits for RCU readers).
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
		pr_warn("shadow type %s (id %lu) still registered at exit; freeing %lu variables without dtor\n",
			class->name, class->id, READ_ONCE(class->count));
		klpx_shadow_class_unlist(class);
		class->gc_dtor = NULL;
		list_add_tail(&class->gc_node, &dead);
	}
	__klpx_shadow_collect(&dead);
	mutex_unlock(&klpx_shadow_mutex);
	/* No call_rcu() callback of ours may outlive the module. */
	rcu_barrier();
}
