/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the klpx shadow suites: shadow types whose ctor and dtor keep
 * count and check what they are handed, and a per-case fixture that
 * unregisters whatever a failed case left registered.
 */
#ifndef _KLPX_KUNIT_FIXTURE_H
#define _KLPX_KUNIT_FIXTURE_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/klpx.h>

#define KLPX_KUNIT_TYPES	4

/*
 * The hrtimer mode of cases whose timer allocates or frees variables: hard
 * IRQ context, except on PREEMPT_RT.  There only get() may run in hard IRQ
 * context (alloc and free take the id's lock, and the slab allocator its
 * own, both sleeping locks there), so those timers are soft ones, which RT
 * runs in a thread.
 */
#define KLPX_KUNIT_HRTIMER_CHANGES					\
	(IS_ENABLED(CONFIG_PREEMPT_RT) ? HRTIMER_MODE_REL_SOFT :	\
					 HRTIMER_MODE_REL_HARD)

/* What the counting ctor writes at the start of a variable's data. */
struct klpx_kunit_rec {
	struct klpx_kunit_fx *fx;
	void *obj;
	void *ctor_data;
	unsigned long magic;
	unsigned long value;
};

/**
 * struct klpx_kunit_fx - one case's shadow types and what their hooks saw
 * @test:	the case
 * @types:	the case's types; fill with klpx_kunit_type()
 * @registered:	@types[i] holds a registration the fixture must drop
 * @ctor_calls:	counting ctor calls that kept their variable
 * @ctor_fails:	counting ctor calls that refused (@ctor_error set)
 * @dtor_calls:	counting dtor calls, by the flavour of the type's dtor
 * @bad_dtor:	dtor calls on data the ctor did not write for that obj, or
 *		on a variable already destroyed
 * @ctor_error: when non-zero, the counting ctor returns it
 */
struct klpx_kunit_fx {
	struct kunit *test;
	struct klpx_shadow_type types[KLPX_KUNIT_TYPES];
	bool registered[KLPX_KUNIT_TYPES];
	atomic_t ctor_calls;
	atomic_t ctor_fails;
	atomic_t dtor_calls[2];
	atomic_t bad_dtor;
	int ctor_error;
};

/* Suite .init / .exit: set up test->priv, drop leftover registrations. */
int klpx_kunit_init(struct kunit *test);
void klpx_kunit_exit(struct kunit *test);

static inline struct klpx_kunit_fx *klpx_kunit_fx(struct kunit *test)
{
	return test->priv;
}

/* A fresh id no other case uses. */
unsigned long klpx_kunit_new_id(void);

/*
 * Fill @fx->types[@i] with @id and a counting ctor and a dtor of @flavour
 * (0 or 1); the size is that of struct klpx_kunit_rec.  Returns the type.
 */
struct klpx_shadow_type *klpx_kunit_type(struct klpx_kunit_fx *fx, int i,
					 unsigned long id, int flavour);

/* Register / unregister @fx->types[@i], keeping track for the exit. */
int klpx_kunit_register(struct klpx_kunit_fx *fx, int i);
void klpx_kunit_unregister(struct klpx_kunit_fx *fx, int i);

/* The counting hooks, for cases that build their own types. */
int klpx_kunit_ctor(void *obj, void *shadow_data, void *ctor_data);
void klpx_kunit_dtor0(void *obj, void *shadow_data);
void klpx_kunit_dtor1(void *obj, void *shadow_data);

#endif /* _KLPX_KUNIT_FIXTURE_H */
