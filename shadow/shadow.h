/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the rest of klpx (core/, the debugfs view, tests) may use of the
 * shadow library beyond the public API in <linux/klpx.h>.
 */
#ifndef _KLPX_SHADOW_SHADOW_H
#define _KLPX_SHADOW_SHADOW_H

#include <linux/types.h>

/**
 * struct klpx_shadow_stat - a snapshot of one registered id
 * @id:		the id
 * @name:	its name (valid for the duration of the callback only)
 * @size:	bytes of data per variable
 * @refs:	number of klpx_shadow_type structs registered with this id
 * @live:	number of live variables
 * @version:	the highest version among those structs (0: none set one)
 */
struct klpx_shadow_stat {
	unsigned long id;
	const char *name;
	size_t size;
	unsigned int refs;
	size_t live;
	unsigned int version;
};

/*
 * Call @fn for every registered id, in registration order, with the
 * registry locked (no registration changes meanwhile).  May sleep; @fn must
 * not call klpx_shadow_register() or klpx_shadow_unregister().
 */
void klpx_shadow_walk_classes(void (*fn)(const struct klpx_shadow_stat *st,
					 void *arg),
			      void *arg);

/*
 * klpx_shadow_unregister() of each of @types, in order, except that the
 * ids whose last registration goes are garbage-collected together, after
 * one wait for readers instead of one per id; then their releases run, in
 * the order the ids were dropped.  May sleep.
 */
void klpx_shadow_unregister_many(struct klpx_shadow_type **types,
				 unsigned int nr);

/*
 * Wait until the ids collected so far are freed: their lockdep keys
 * unregistered (a grace period each, with lockdep) and their memory
 * given back, which garbage collection leaves to a work item.  For tests
 * and klpx_shadow_exit().  May sleep.
 */
void klpx_shadow_flush_collected(void);

/*
 * The length of the longest chain of @type's id, in either table while a
 * resize moves variables: what a lookup walks at worst.  Walks every
 * chain under the id's lock, IRQs off: for tests and debugging only.
 * Returns 0 if the id is not registered.
 */
size_t klpx_shadow_longest_chain(struct klpx_shadow_type *type);

/*
 * The most variables one batch of a resize of @type's id has moved in one
 * hold of its locks (IRQs off), since the id was registered: for tests
 * and debugging.  Returns 0 if the id is not registered.
 */
unsigned int klpx_shadow_most_moves(struct klpx_shadow_type *type);

/*
 * Bytes of bucket arrays that small tables may take beyond the size their
 * variables ask for, all ids together (resize.c).  Tests that check table
 * sizes lower it to 0.
 */
extern unsigned long klpx_shadow_boost_allowance;

/*
 * Called once when klpx goes away: warns about ids still registered and
 * waits for the frees still in flight.  May sleep.
 */
void klpx_shadow_exit(void);

#endif /* _KLPX_SHADOW_SHADOW_H */
