/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to shadow/: the hash table of one id, as store.c reads and
 * changes it and resize.c grows and shrinks it.
 *
 * A table pointer is the address of its bucket array with, in the low
 * bits, what a hash is shifted right by to index it (64 less the table's
 * shift), and while a resize moves variables out of it, a flag.  The array
 * is exactly 1 << shift heads, at least 128 bytes: a power of two that
 * kmalloc aligns naturally and vmalloc to a page, so the low seven bits
 * are free.  Keeping the shift in a header instead would make every array
 * a power of two plus a word, which kmalloc rounds up to the next size
 * class and huge vmalloc mappings to the next 2 MiB.  Keeping the flag
 * here lets a lookup that missed check with one load that nothing moved
 * under it (see klpx_shadow_lookup()).
 */
#ifndef _KLPX_SHADOW_TABLE_H
#define _KLPX_SHADOW_TABLE_H

#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/rcupdate.h>

#include "internal.h"

#define KLPX_SHADOW_MIN_SHIFT		4

#define KLPX_SHADOW_RSHIFT_MASK	0x3fUL
#define KLPX_SHADOW_MOVING	0x40UL
#define KLPX_SHADOW_TAG_MASK	(KLPX_SHADOW_RSHIFT_MASK | KLPX_SHADOW_MOVING)

/* What a 64-bit hash is shifted right by to index @tbl. */
static inline unsigned int klpx_shadow_tbl_rshift(const struct klpx_shadow_table *tbl)
{
	return (unsigned long)tbl & KLPX_SHADOW_RSHIFT_MASK;
}

static inline unsigned int klpx_shadow_tbl_shift(const struct klpx_shadow_table *tbl)
{
	return 64 - klpx_shadow_tbl_rshift(tbl);
}

static inline bool klpx_shadow_tbl_moving(const struct klpx_shadow_table *tbl)
{
	return (unsigned long)tbl & KLPX_SHADOW_MOVING;
}

static inline struct klpx_shadow_table *
klpx_shadow_tbl_flag_moving(struct klpx_shadow_table *tbl)
{
	return (struct klpx_shadow_table *)((unsigned long)tbl |
					    KLPX_SHADOW_MOVING);
}

/* A bucket: the link to the first variable of a chain. */
typedef struct klpx_shadow_var __rcu *klpx_shadow_link_t;

static inline klpx_shadow_link_t *klpx_shadow_tbl_buckets(const struct klpx_shadow_table *tbl)
{
	return (klpx_shadow_link_t *)((unsigned long)tbl & ~KLPX_SHADOW_TAG_MASK);
}

/*
 * Parent objects are often spaced by a slab's object size, and a single
 * golden-ratio multiply maps some such strides (48, 96, 112 bytes...) onto
 * a fraction of the buckets: the index, the product's top bits, follows
 * the stride's own multiple of the ratio.  Folding lower bits of the
 * product into the top ones (a shift and an exclusive or, no second
 * multiply) spreads every stride from 8 to 1024 bytes about like random
 * keys: at most 1.37 variables visited per hit at load 1/2, against 1.25
 * for random keys, where the single multiply visits up to 3.4.
 */
#define KLPX_SHADOW_HASH_FOLD	17

static __always_inline klpx_shadow_link_t *
klpx_shadow_bucket(struct klpx_shadow_table *tbl, const void *obj)
{
	u64 key = (unsigned long)obj;
	unsigned int rshift = klpx_shadow_tbl_rshift(tbl);
	/* The compiler makes one multiply of the two. */
	u64 low = (key * GOLDEN_RATIO_64) << KLPX_SHADOW_HASH_FOLD;

	return &klpx_shadow_tbl_buckets(tbl)[hash_64(key, 64 - rshift) ^
					     (u32)(low >> rshift)];
}

/*
 * Tables for fewer than 1 << KLPX_SHADOW_DENSE_SHIFT variables are dense:
 * load between 1 and 2, a bucket's 8 bytes for one or two variables,
 * where many ids with a few hundred variables each would otherwise pay
 * more in buckets than in variables.  A hit there steps on 1.5 to 2
 * variables; upstream's fixed table, at 10^4 variables, on 2.4.  Larger
 * tables have a load between 1/2 and 1, where a miss most often finds an
 * empty chain: their buckets are a small part of the memory, and the
 * variables they hold are read far more often than a few small ids'.
 * Small tables take a lower load still within an allowance (resize.c).
 */
#define KLPX_SHADOW_DENSE_SHIFT		13

/* Size of table for @count variables. */
static inline unsigned int klpx_shadow_target_shift(unsigned long count)
{
	if (count < (2UL << KLPX_SHADOW_MIN_SHIFT))
		return KLPX_SHADOW_MIN_SHIFT;
	if (count < (1UL << KLPX_SHADOW_DENSE_SHIFT))
		return ilog2(count);
	return ilog2(count) + 1;
}

/*
 * A table of natural size 1 << @natural grows once its count reaches
 * 1 << klpx_shadow_grow_shift(@natural): at load 2 if dense, else 1.
 */
static inline unsigned int klpx_shadow_grow_shift(unsigned int natural)
{
	return natural < KLPX_SHADOW_DENSE_SHIFT ? natural + 1 : natural;
}

/*
 * Whether a table of natural size 1 << @natural is too large for @count:
 * a dense table below load 1/2, a larger one below load 1/4.  Twice the
 * count would still ask for a smaller table: shrinking leaves room to
 * double before it grows again.
 */
static inline bool klpx_shadow_too_large(unsigned long count,
					 unsigned int natural)
{
	return klpx_shadow_target_shift(2 * count) < natural;
}

/*
 * The size the count asked for of @class's table @tbl when it was made:
 * its size less the boost of resize.c.  Under class->lock.
 */
static inline unsigned int __klpx_shadow_natural_shift(struct klpx_shadow_class *class,
						       struct klpx_shadow_table *tbl)
{
	return klpx_shadow_tbl_shift(tbl) - class->boost;
}

/*
 * A link of a chain read by a lockless reader: under rcu_read_lock(), or
 * with preemption off, as lookups are (see klpx_shadow_read_lock()); spelt
 * with rcu_dereference_check() so that the userspace tests count links.
 */
#define klpx_shadow_deref_rcu(link) \
	rcu_dereference_check(link, rcu_read_lock_any_held())
/* A link read under class->lock. */
#define klpx_shadow_deref_locked(class, link) \
	rcu_dereference_protected(link, lockdep_is_held(&(class)->lock))

static inline struct klpx_shadow_table *
klpx_shadow_locked_tbl(struct klpx_shadow_class *class,
		       struct klpx_shadow_table __rcu **p)
{
	return rcu_dereference_protected(*p, lockdep_is_held(&class->lock));
}

/*
 * Make @tbl the table lookups start in: the class's, and the copy in each
 * registered type, where lookups through that type read it.  Release
 * stores, like every change of @tbl: see klpx_shadow_lookup().  Under
 * class->lock.
 */
static inline void __klpx_shadow_publish_tbl(struct klpx_shadow_class *class,
					     struct klpx_shadow_table *tbl)
{
	struct klpx_shadow_type *type;

	rcu_assign_pointer(class->tbl, tbl);
	for (type = class->regs; type; type = type->reg_next)
		rcu_assign_pointer(type->tbl, tbl);
}

/* resize.c */
struct klpx_shadow_table *klpx_shadow_table_alloc(unsigned int shift,
						  gfp_t gfp);
void klpx_shadow_table_free(struct klpx_shadow_table *tbl);
void __klpx_shadow_maybe_resize(struct klpx_shadow_class *class);
bool __klpx_shadow_overloaded(struct klpx_shadow_class *class);
void klpx_shadow_help_grow(struct klpx_shadow_type *type, gfp_t gfp_flags);
void klpx_shadow_resize_init(struct klpx_shadow_class *class);
void klpx_shadow_resize_stop(struct klpx_shadow_class *class);

#endif /* _KLPX_SHADOW_TABLE_H */
