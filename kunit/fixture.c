// SPDX-License-Identifier: GPL-2.0
/*
 * Counting shadow types and the per-case fixture of the klpx shadow suites.
 *
 * The ctor records its fixture, obj and ctor_data in the variable itself,
 * so a dtor, wherever and whenever klpx runs it, can tell whether it was
 * handed the variable the ctor built for that obj, and whether it already
 * destroyed it once.
 */
#include <linux/atomic.h>
#include <linux/klpx.h>

#include "fixture.h"

#define KLPX_KUNIT_LIVE		0x6b6c7078a11fe000UL
#define KLPX_KUNIT_DEAD		0x6b6c7078dead0000UL

int klpx_kunit_ctor(void *obj, void *shadow_data, void *ctor_data)
{
	struct klpx_kunit_fx *fx = ctor_data;
	struct klpx_kunit_rec *rec = shadow_data;

	if (fx->ctor_error) {
		atomic_inc(&fx->ctor_fails);
		return fx->ctor_error;
	}
	rec->fx = fx;
	rec->obj = obj;
	rec->ctor_data = ctor_data;
	rec->magic = KLPX_KUNIT_LIVE;
	atomic_inc(&fx->ctor_calls);
	return 0;
}

static void klpx_kunit_dtor(void *obj, void *shadow_data, int flavour)
{
	struct klpx_kunit_rec *rec = shadow_data;
	struct klpx_kunit_fx *fx = rec->fx;

	if (rec->magic != KLPX_KUNIT_LIVE || rec->obj != obj)
		atomic_inc(&fx->bad_dtor);
	rec->magic = KLPX_KUNIT_DEAD;
	atomic_inc(&fx->dtor_calls[flavour]);
}

void klpx_kunit_dtor0(void *obj, void *shadow_data)
{
	klpx_kunit_dtor(obj, shadow_data, 0);
}

void klpx_kunit_dtor1(void *obj, void *shadow_data)
{
	klpx_kunit_dtor(obj, shadow_data, 1);
}

unsigned long klpx_kunit_new_id(void)
{
	static atomic_long_t last = ATOMIC_LONG_INIT(0x6b6c707800000000L);

	return atomic_long_inc_return(&last);
}

struct klpx_shadow_type *klpx_kunit_type(struct klpx_kunit_fx *fx, int i,
					 unsigned long id, int flavour)
{
	struct klpx_shadow_type *type = &fx->types[i];

	*type = (struct klpx_shadow_type) {
		.id = id,
		.name = "klpx_kunit_rec",
		.size = sizeof(struct klpx_kunit_rec),
		.ctor = klpx_kunit_ctor,
		.dtor = flavour ? klpx_kunit_dtor1 : klpx_kunit_dtor0,
	};
	return type;
}

int klpx_kunit_register(struct klpx_kunit_fx *fx, int i)
{
	int ret = klpx_shadow_register(&fx->types[i]);

	if (!ret)
		fx->registered[i] = true;
	return ret;
}

void klpx_kunit_unregister(struct klpx_kunit_fx *fx, int i)
{
	fx->registered[i] = false;
	klpx_shadow_unregister(&fx->types[i]);
}

int klpx_kunit_init(struct kunit *test)
{
	struct klpx_kunit_fx *fx;

	fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	if (!fx)
		return -ENOMEM;
	fx->test = test;
	test->priv = fx;
	return 0;
}

void klpx_kunit_exit(struct kunit *test)
{
	struct klpx_kunit_fx *fx = test->priv;
	int i;

	for (i = 0; i < KLPX_KUNIT_TYPES; i++)
		if (fx->registered[i])
			klpx_kunit_unregister(fx, i);
}
