/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of the cumulative patches v1..v4 (STATE_VERSION), all atomic
 * replaces of klpx_target:
 *
 *  - state_lock (unless STATE_NO_LOCK, i.e. v3): a shadow lock plus a stamp
 *    attached to each item the first time klpx_target_item_value() sees
 *    it; the stamp says which version created it (version * 1000 + id),
 *    and the replacement returns it;
 *  - state_counter: a global shadow on NULL counting item reads, which
 *    klpx_target_counter() returns.
 *
 * Read-only parameters tell the tests what the destructor saw (calls, a
 * mask of item ids, calls for an id already seen) and how many state_lock
 * variables existed when this version's pre_patch ran: the ones handed
 * over, or stale ones if garbage collection had failed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include "klpx_target.h"

static int dtor_calls;
module_param(dtor_calls, int, 0444);
MODULE_PARM_DESC(dtor_calls, "state_lock variables destroyed with our dtor");
static int dtor_mask;
module_param(dtor_mask, int, 0444);
MODULE_PARM_DESC(dtor_mask, "bit N: the variable of item N was destroyed");
static int dtor_dups;
module_param(dtor_dups, int, 0444);
MODULE_PARM_DESC(dtor_dups, "destructions of an item already destroyed");
static int found;
module_param(found, int, 0444);
MODULE_PARM_DESC(found, "state_lock variables alive when this version came");

static struct klpx_shadow_type state_counter = {
	.id = 0x6b700021,
	.name = "state_counter",
	.size = sizeof(atomic_long_t),
};

#ifndef STATE_NO_LOCK
struct state_lock {
	spinlock_t lock;
	int stamp;
};

/* Runs under the id's lock: no sleeping, just fill in. */
static int state_lock_ctor(void *obj, void *data, void *ctor_data)
{
	struct klpx_target_item *item = obj;
	struct state_lock *s = data;

	spin_lock_init(&s->lock);
	s->stamp = STATE_VERSION * 1000 + item->id;
	return 0;
}

static void state_lock_dtor(void *obj, void *data)
{
	struct klpx_target_item *item = obj;
	int bit = 1 << item->id;

	/* Serialised by the registry: one GC at a time per id. */
	if (dtor_mask & bit)
		dtor_dups++;
	dtor_mask |= bit;
	dtor_calls++;
}

static struct klpx_shadow_type state_lock = {
	.id = 0x6b700020,
	.name = "state_lock",
	.size = sizeof(struct state_lock),
	.ctor = state_lock_ctor,
	.dtor = state_lock_dtor,
};
#endif

static struct klpx_shadow_type *state_types[] = {
#ifndef STATE_NO_LOCK
	&state_lock,
#endif
	&state_counter,
	NULL,
};

static void state_count_read(void)
{
	atomic_long_t *count;

	count = klpx_shadow_get_or_alloc(NULL, &state_counter, GFP_KERNEL,
					 NULL);
	if (count)
		atomic_long_inc(count);
}

static int state_item_value(struct klpx_target_item *item)
{
	int value = item->value;
#ifndef STATE_NO_LOCK
	struct state_lock *s;

	s = klpx_shadow_get(item, &state_lock);
	if (!s)
		s = klpx_shadow_get_or_alloc(item, &state_lock, GFP_KERNEL,
					     NULL);
	if (s) {
		spin_lock(&s->lock);
		value = s->stamp;
		spin_unlock(&s->lock);
	}
#endif
	state_count_read();
	return value;
}

static long state_counter_value(void)
{
	atomic_long_t *count = klpx_shadow_get(NULL, &state_counter);

	return count ? atomic_long_read(count) : -1;
}

static struct klpx_func state_funcs[] = {
	{
		.old_name = "klpx_target_item_value",
		.new_func = state_item_value,
	}, {
		.old_name = "klpx_target_counter",
		.new_func = state_counter_value,
	}, { }
};

#ifndef STATE_NO_LOCK
/* Before the switch: count the variables an earlier version left. */
static int state_pre_patch(struct klpx_object *obj)
{
	found = klpx_shadow_count(&state_lock);
	return 0;
}
#endif

static struct klpx_object state_objs[] = {
	{
		.name = "klpx_target",
		.funcs = state_funcs,
		.shadow_types = state_types,
#ifndef STATE_NO_LOCK
		.callbacks.pre_patch = state_pre_patch,
#endif
	}, { }
};

static struct klpx_patch state_patch = {
	.mod = THIS_MODULE,
	.objs = state_objs,
	.replace = true,
};

static int __init state_init(void)
{
	return klpx_enable_patch(&state_patch);
}

static void __exit state_exit(void)
{
}

module_init(state_init);
module_exit(state_exit);
MODULE_LICENSE("GPL");
