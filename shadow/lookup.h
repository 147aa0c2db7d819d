/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to shadow/: the lockless lookup of an id's variables, inline on
 * the paths of klpx_shadow_get() and of every creation's first look; its
 * slow half, for a miss while a resize moves variables, is in lookup.c.
 */
#ifndef _KLPX_SHADOW_LOOKUP_H
#define _KLPX_SHADOW_LOOKUP_H

#include "ids.h"
#include "internal.h"
#include "table.h"

struct klpx_shadow_var *klpx_shadow_lookup_slow(struct klpx_shadow_class *class,
						const void *obj);
struct klpx_shadow_var *klpx_shadow_type_lookup_slow(struct klpx_shadow_type *type,
						     const void *obj,
						     bool missed, bool report);

/* Under klpx_shadow_read_lock() or rcu_read_lock(). */
static __always_inline struct klpx_shadow_var *
klpx_shadow_chain_find(struct klpx_shadow_table *tbl, const void *obj)
{
	struct klpx_shadow_var *var;

	for (var = klpx_shadow_deref_rcu(*klpx_shadow_bucket(tbl, obj));
	     var; var = klpx_shadow_deref_rcu(var->next)) {
		if (var->obj == obj)
			return var;
	}
	return NULL;
}

/*
 * Lockless lookup; the caller holds klpx_shadow_read_lock() or
 * rcu_read_lock().  A hit needs no check: a variable's key never changes
 * and its memory outlives us.  A miss is final when no resize was under
 * way, which costs one load after the walk and nothing on a hit.  A
 * resize flags @tbl as moving (release) before it moves anything, and
 * ends by replacing it with the new table:
 *
 * - a walk that a move led astray read a link the move wrote (a release
 *   store after the flag's): so @tbl, read again after the walk, is
 *   flagged or another table;
 * - it cannot come back as the same unflagged pointer meanwhile: a table
 *   a resize replaced is freed after a grace period, not while we read.
 *
 * A miss in a flagged table, or with @tbl changed, goes the slow way,
 * which retries only if its own chain moved.
 */
static __always_inline struct klpx_shadow_var *
klpx_shadow_lookup(struct klpx_shadow_class *class, const void *obj)
{
	struct klpx_shadow_table *tbl = klpx_shadow_deref_reader(class->tbl);
	struct klpx_shadow_var *var;

	var = klpx_shadow_chain_find(tbl, obj);
	if (likely(var))
		return var;
	/* Pairs with the release stores of klpx_shadow_resize(). */
	smp_rmb();
	if (likely(!klpx_shadow_tbl_moving(tbl) &&
		   rcu_access_pointer(class->tbl) == tbl))
		return NULL;
	return klpx_shadow_lookup_slow(class, obj);
}

/*
 * Lockless lookup through @type; the caller holds klpx_shadow_read_lock()
 * or rcu_read_lock().  A registered type holds a copy of its id's table
 * pointer, kept up to date under the id's lock by every resize
 * (__klpx_shadow_publish_tbl()), so that a lookup reaches the bucket in
 * two dependent loads, not four (type, class, table, bucket).  The copy
 * is flagged and replaced exactly as the class's is, so
 * klpx_shadow_lookup()'s reasoning about a final miss holds for it too.
 * With @report, an unregistered id is logged.
 */
static __always_inline struct klpx_shadow_var *
klpx_shadow_type_lookup(struct klpx_shadow_type *type, const void *obj,
			bool report)
{
	struct klpx_shadow_table *tbl;
	struct klpx_shadow_var *var;

	if (likely(type)) {
		tbl = klpx_shadow_deref_reader(type->tbl);
		if (likely(tbl)) {
			var = klpx_shadow_chain_find(tbl, obj);
			if (likely(var))
				return var;
			/* Pairs with the release stores of resizes. */
			smp_rmb();
			if (likely(!klpx_shadow_tbl_moving(tbl) &&
				   rcu_access_pointer(type->tbl) == tbl))
				return NULL;
			return klpx_shadow_type_lookup_slow(type, obj, true,
							    report);
		}
	}
	return klpx_shadow_type_lookup_slow(type, obj, false, report);
}

#endif /* _KLPX_SHADOW_LOOKUP_H */
