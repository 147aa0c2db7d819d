// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the shadow variable store: get, alloc, get_or_alloc,
 * free, free_all and count on registered types, their ctor and dtor
 * calls, NULL objects, zero-sized variables, many variables (the table
 * resizes underneath), and a matrix of data sizes and gfp flags.
 */
#include <kunit/test.h>
#include <linux/klpx.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "fixture.h"

#define OBJS	64
#define MANY	20000

static char objs[OBJS];

static void alloc_all(struct kunit *test, struct klpx_kunit_fx *fx, int i)
{
	int n;

	for (n = 0; n < OBJS; n++)
		KUNIT_ASSERT_NOT_NULL(test,
				      klpx_shadow_alloc(&objs[n], &fx->types[i],
							GFP_KERNEL, fx));
}

/* A registered counting type in @fx->types[@i] with a fresh id. */
static struct klpx_shadow_type *registered(struct kunit *test, int i,
					   int flavour)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type;

	type = klpx_kunit_type(fx, i, klpx_kunit_new_id(), flavour);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, i), 0);
	return type;
}

/* What zero_checking_ctor() saw. */
struct zero_check {
	size_t size;
	int calls;
	int nonzero;
	void *data;
};

static int zero_checking_ctor(void *obj, void *shadow_data, void *ctor_data)
{
	struct zero_check *zc = ctor_data;

	zc->calls++;
	zc->data = shadow_data;
	if (memchr_inv(shadow_data, 0, zc->size))
		zc->nonzero++;
	memset(shadow_data, 0x5a, zc->size);
	return 0;
}

static void klpx_shadow_store_get_of_a_missing_variable_returns_null(struct kunit *test)
{
	struct klpx_shadow_type *type = registered(test, 0, 0);

	KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[0], type));
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(NULL, type));
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 0);
}

static void klpx_shadow_store_alloc_returns_zeroed_data_that_get_finds(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type;
	void *data;

	type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	type->size = 200;
	type->ctor = NULL;
	type->dtor = NULL;
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);

	data = klpx_shadow_alloc(&objs[0], type, GFP_KERNEL, NULL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_EXPECT_NULL(test, memchr_inv(data, 0, type->size));
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], type), data);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 1);
}

static void klpx_shadow_store_data_is_aligned_for_any_scalar(struct kunit *test)
{
	struct klpx_shadow_type *type = registered(test, 0, 0);
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	int n;

	for (n = 0; n < OBJS; n++) {
		void *data = klpx_shadow_alloc(&objs[n], type, GFP_KERNEL, fx);

		KUNIT_ASSERT_NOT_NULL(test, data);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)data,
						   __alignof__(unsigned long long)));
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)data,
						   __alignof__(void *)));
	}
}

static void klpx_shadow_store_ctor_sees_zeroed_data_before_alloc_returns(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct zero_check zc = { .size = 96 };
	struct klpx_shadow_type *type;
	u8 *data;

	type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	type->size = zc.size;
	type->ctor = zero_checking_ctor;
	type->dtor = NULL;
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);

	data = klpx_shadow_alloc(&objs[0], type, GFP_KERNEL, &zc);
	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_EXPECT_EQ(test, zc.calls, 1);
	KUNIT_EXPECT_EQ(test, zc.nonzero, 0);
	KUNIT_EXPECT_PTR_EQ(test, zc.data, (void *)data);
	/* What the ctor wrote is what get() finds. */
	KUNIT_EXPECT_EQ(test, data[0], 0x5a);
	KUNIT_EXPECT_EQ(test, data[zc.size - 1], 0x5a);
}

/* What visibility_ctor() saw of its own variable while building it. */
struct visibility {
	struct klpx_shadow_type *type;
	int calls;
	int visible;
};

static int visibility_ctor(void *obj, void *shadow_data, void *ctor_data)
{
	struct visibility *v = ctor_data;

	v->calls++;
	/* get() is lockless, so a ctor may call it. */
	if (klpx_shadow_get(obj, v->type))
		v->visible++;
	return 0;
}

static void klpx_shadow_store_variable_is_invisible_while_its_ctor_runs(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct visibility v = { };

	v.type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	v.type->ctor = visibility_ctor;
	v.type->dtor = NULL;
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);

	KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_alloc(&objs[0], v.type,
						      GFP_KERNEL, &v));
	KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_get_or_alloc(&objs[1], v.type,
							     GFP_KERNEL, &v));
	KUNIT_EXPECT_EQ(test, v.calls, 2);
	KUNIT_EXPECT_EQ(test, v.visible, 0);
}

static void klpx_shadow_store_ctor_gets_obj_and_ctor_data(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0, 0);
	struct klpx_kunit_rec *rec;

	rec = klpx_shadow_alloc(&objs[3], type, GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_EXPECT_PTR_EQ(test, rec->obj, (void *)&objs[3]);
	KUNIT_EXPECT_PTR_EQ(test, rec->ctor_data, (void *)fx);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls), 1);
}

static void klpx_shadow_store_alloc_of_existing_warns_and_returns_null(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0, 0);
	struct klpx_kunit_rec *rec;

	rec = klpx_shadow_alloc(&objs[0], type, GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	rec->value = 42;

	KUNIT_EXPECT_NULL(test, klpx_shadow_alloc(&objs[0], type,
						  GFP_KERNEL, fx));

	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 0);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], type), (void *)rec);
	KUNIT_EXPECT_EQ(test, rec->value, 42);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 1);
}

static void klpx_shadow_store_failing_ctor_adds_nothing(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0, 0);

	fx->ctor_error = -ENOSPC;
	KUNIT_EXPECT_NULL(test, klpx_shadow_alloc(&objs[0], type,
						  GFP_KERNEL, fx));
	KUNIT_EXPECT_NULL(test, klpx_shadow_get_or_alloc(&objs[0], type,
							 GFP_KERNEL, fx));
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_fails), 2);
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[0], type));
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 0);

	/* The refusal left no trace: the next alloc succeeds. */
	fx->ctor_error = 0;
	KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_alloc(&objs[0], type,
						      GFP_KERNEL, fx));
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 1);
}

static void klpx_shadow_store_null_obj_holds_one_global_variable(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0, 0);
	struct klpx_kunit_rec *global, *local;

	global = klpx_shadow_alloc(NULL, type, GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, global);
	local = klpx_shadow_alloc(&objs[0], type, GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, local);
	KUNIT_EXPECT_PTR_NE(test, global, local);
	KUNIT_EXPECT_NULL(test, global->obj);

	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(NULL, type), (void *)global);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get_or_alloc(NULL, type,
							   GFP_KERNEL, fx), (void *)global);
	klpx_shadow_free(NULL, type);
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(NULL, type));
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], type), (void *)local);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 1);
}

static void klpx_shadow_store_zero_sized_variables_exist(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type;
	void *data;

	type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	type->size = 0;
	type->ctor = NULL;
	type->dtor = NULL;
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);

	data = klpx_shadow_alloc(&objs[0], type, GFP_KERNEL, NULL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], type), data);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get_or_alloc(&objs[0], type,
							   GFP_KERNEL, NULL), data);
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[1], type));
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 1);
	klpx_shadow_free(&objs[0], type);
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[0], type));
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 0);
}

static void klpx_shadow_store_get_or_alloc_returns_the_existing_variable(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0, 0);
	void *data;

	data = klpx_shadow_alloc(&objs[0], type, GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get_or_alloc(&objs[0], type,
							   GFP_KERNEL, fx), data);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls), 1);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 1);
}

static void klpx_shadow_store_get_or_alloc_creates_a_missing_variable_once(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0, 0);
	struct klpx_kunit_rec *rec;

	rec = klpx_shadow_get_or_alloc(&objs[0], type, GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_EXPECT_PTR_EQ(test, rec->obj, (void *)&objs[0]);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get_or_alloc(&objs[0], type,
							   GFP_KERNEL, fx), (void *)rec);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], type), (void *)rec);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls), 1);
}

static void klpx_shadow_store_free_runs_the_dtor_once_and_removes(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0, 0);

	alloc_all(test, fx, 0);
	klpx_shadow_free(&objs[5], type);

	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->bad_dtor), 0);
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[5], type));
	KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_get(&objs[4], type));
	KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_get(&objs[6], type));
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), OBJS - 1);

	/* Freeing it again finds nothing to destroy. */
	klpx_shadow_free(&objs[5], type);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 1);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), OBJS - 1);
}

static void klpx_shadow_store_free_of_a_missing_variable_does_nothing(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0, 0);

	KUNIT_ASSERT_NOT_NULL(test, klpx_shadow_alloc(&objs[0], type,
						      GFP_KERNEL, fx));
	klpx_shadow_free(&objs[1], type);
	klpx_shadow_free(NULL, type);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 0);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 1);
}

static void klpx_shadow_store_free_all_destroys_every_variable_of_the_id_only(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *mine = registered(test, 0, 0);
	struct klpx_shadow_type *other = registered(test, 1, 1);
	int n;

	alloc_all(test, fx, 0);
	alloc_all(test, fx, 1);
	KUNIT_ASSERT_NOT_NULL(test, klpx_shadow_alloc(NULL, mine,
						      GFP_KERNEL, fx));

	klpx_shadow_free_all(mine);

	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), OBJS + 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[1]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->bad_dtor), 0);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(mine), 0);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(other), OBJS);
	for (n = 0; n < OBJS; n++) {
		KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[n], mine));
		KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_get(&objs[n], other));
	}

	/* The type stays registered and usable. */
	KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_alloc(&objs[0], mine,
						      GFP_KERNEL, fx));
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(mine), 1);
}

static void klpx_shadow_store_free_all_of_an_empty_id_does_nothing(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0, 0);

	klpx_shadow_free_all(type);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 0);
}

static void klpx_shadow_store_count_follows_alloc_and_free(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0, 0);
	int n;

	for (n = 0; n < OBJS; n++) {
		KUNIT_ASSERT_NOT_NULL(test, klpx_shadow_get_or_alloc(&objs[n],
								     type, GFP_KERNEL, fx));
		KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), n + 1);
	}
	for (n = 0; n < OBJS; n++) {
		klpx_shadow_free(&objs[n], type);
		KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), OBJS - n - 1);
	}
}

static void klpx_shadow_store_ids_on_one_object_are_independent(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *a = registered(test, 0, 0);
	struct klpx_shadow_type *b = registered(test, 1, 1);
	void *da, *db;

	da = klpx_shadow_alloc(&objs[0], a, GFP_KERNEL, fx);
	db = klpx_shadow_alloc(&objs[0], b, GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, da);
	KUNIT_ASSERT_NOT_NULL(test, db);
	KUNIT_EXPECT_PTR_NE(test, da, db);

	klpx_shadow_free(&objs[0], a);
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[0], a));
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], b), db);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[1]), 0);
}

/*
 * Enough variables that the table must grow several times, then shrink:
 * every variable stays reachable throughout.
 */
static void klpx_shadow_store_many_variables_stay_reachable(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type = registered(test, 0, 0);
	struct klpx_kunit_rec *rec;
	char *many;
	int n;

	many = kunit_kzalloc(test, MANY, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, many);

	for (n = 0; n < MANY; n++) {
		rec = klpx_shadow_alloc(&many[n], type, GFP_KERNEL, fx);
		KUNIT_ASSERT_NOT_NULL(test, rec);
		rec->value = n;
		if (n % 1000 == 0)
			cond_resched();
	}
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), MANY);

	for (n = 0; n < MANY; n++) {
		rec = klpx_shadow_get(&many[n], type);
		KUNIT_ASSERT_NOT_NULL(test, rec);
		KUNIT_ASSERT_EQ(test, rec->value, n);
	}

	/* Free the even ones, one by one. */
	for (n = 0; n < MANY; n += 2)
		klpx_shadow_free(&many[n], type);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), MANY / 2);
	for (n = 0; n < MANY; n++) {
		rec = klpx_shadow_get(&many[n], type);
		if (n % 2) {
			KUNIT_ASSERT_NOT_NULL(test, rec);
			KUNIT_ASSERT_EQ(test, rec->value, n);
		} else {
			KUNIT_ASSERT_NULL(test, rec);
		}
	}

	klpx_shadow_free_all(type);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), MANY);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->bad_dtor), 0);
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(&many[1], type));
}

/* The matrix: data sizes against gfp flags. */
struct alloc_param {
	size_t size;
	gfp_t gfp;
	const char *gfp_name;
};

#define K GFP_KERNEL, "GFP_KERNEL"
#define A GFP_ATOMIC, "GFP_ATOMIC"
#define N GFP_NOWAIT, "GFP_NOWAIT"

static const struct alloc_param alloc_params[] = {
	{ 0, K }, { 0, A }, { 0, N },
	{ 1, K }, { 1, A }, { 1, N },
	{ 7, K }, { 7, A }, { 7, N },
	{ sizeof(long), K }, { sizeof(long), A }, { sizeof(long), N },
	{ 100, K }, { 100, A }, { 100, N },
	{ PAGE_SIZE, K }, { PAGE_SIZE, A }, { PAGE_SIZE, N },
	{ 3 * PAGE_SIZE + 5, K }, { 3 * PAGE_SIZE + 5, A },
	{ 3 * PAGE_SIZE + 5, N },
};

#undef K
#undef A
#undef N

static void alloc_param_desc(const struct alloc_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu, %s", p->size,
		 p->gfp_name);
}

KUNIT_ARRAY_PARAM(alloc, alloc_params, alloc_param_desc);

/* Stands for a lock of the patched code, held around an atomic allocation. */
static DEFINE_SPINLOCK(atomic_caller_lock);

static void klpx_shadow_store_alloc_gives_whole_zeroed_data_for_any_size_and_gfp(struct kunit *test)
{
	const struct alloc_param *p = test->param_value;
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	bool atomic = !gfpflags_allow_blocking(p->gfp);
	struct klpx_shadow_type *type;
	unsigned long flags = 0;
	u8 *one, *two;

	type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	type->size = p->size;
	type->ctor = NULL;
	type->dtor = NULL;
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);

	/*
	 * Non-blocking flags are for callers that cannot sleep: be one, under
	 * a spinlock with IRQs off (on PREEMPT_RT, where spinlock_t sleeps and
	 * leaves IRQs on, nothing that allocates may run with IRQs off).
	 */
	if (atomic)
		spin_lock_irqsave(&atomic_caller_lock, flags);
	one = klpx_shadow_alloc(&objs[0], type, p->gfp, NULL);
	two = klpx_shadow_get_or_alloc(&objs[1], type, p->gfp, NULL);
	if (one)
		memset(one, 0xa5, p->size);
	if (two)
		memset(two, 0x5a, p->size);
	if (atomic)
		spin_unlock_irqrestore(&atomic_caller_lock, flags);

	KUNIT_ASSERT_NOT_NULL(test, one);
	KUNIT_ASSERT_NOT_NULL(test, two);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], type), (void *)one);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[1], type), (void *)two);
	KUNIT_EXPECT_NULL(test, memchr_inv(one, 0xa5, p->size));
	KUNIT_EXPECT_NULL(test, memchr_inv(two, 0x5a, p->size));
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 2);

	/* A freed and reallocated variable comes back zeroed. */
	klpx_shadow_free(&objs[0], type);
	one = klpx_shadow_alloc(&objs[0], type, GFP_KERNEL, NULL);
	KUNIT_ASSERT_NOT_NULL(test, one);
	KUNIT_EXPECT_NULL(test, memchr_inv(one, 0, p->size));
}

static struct kunit_case klpx_shadow_store_cases[] = {
	KUNIT_CASE(klpx_shadow_store_get_of_a_missing_variable_returns_null),
	KUNIT_CASE(klpx_shadow_store_alloc_returns_zeroed_data_that_get_finds),
	KUNIT_CASE(klpx_shadow_store_data_is_aligned_for_any_scalar),
	KUNIT_CASE(klpx_shadow_store_ctor_sees_zeroed_data_before_alloc_returns),
	KUNIT_CASE(klpx_shadow_store_variable_is_invisible_while_its_ctor_runs),
	KUNIT_CASE(klpx_shadow_store_ctor_gets_obj_and_ctor_data),
	KUNIT_CASE(klpx_shadow_store_alloc_of_existing_warns_and_returns_null),
	KUNIT_CASE(klpx_shadow_store_failing_ctor_adds_nothing),
	KUNIT_CASE(klpx_shadow_store_null_obj_holds_one_global_variable),
	KUNIT_CASE(klpx_shadow_store_zero_sized_variables_exist),
	KUNIT_CASE(klpx_shadow_store_get_or_alloc_returns_the_existing_variable),
	KUNIT_CASE(klpx_shadow_store_get_or_alloc_creates_a_missing_variable_once),
	KUNIT_CASE(klpx_shadow_store_free_runs_the_dtor_once_and_removes),
	KUNIT_CASE(klpx_shadow_store_free_of_a_missing_variable_does_nothing),
	KUNIT_CASE(klpx_shadow_store_free_all_destroys_every_variable_of_the_id_only),
	KUNIT_CASE(klpx_shadow_store_free_all_of_an_empty_id_does_nothing),
	KUNIT_CASE(klpx_shadow_store_count_follows_alloc_and_free),
	KUNIT_CASE(klpx_shadow_store_ids_on_one_object_are_independent),
	KUNIT_CASE(klpx_shadow_store_many_variables_stay_reachable),
	KUNIT_CASE_PARAM(klpx_shadow_store_alloc_gives_whole_zeroed_data_for_any_size_and_gfp,
			 alloc_gen_params),
	{}
};

static struct kunit_suite klpx_shadow_store_suite = {
	.name = "klpx_shadow_store",
	.init = klpx_kunit_init,
	.exit = klpx_kunit_exit,
	.test_cases = klpx_shadow_store_cases,
};

kunit_test_suite(klpx_shadow_store_suite);

MODULE_LICENSE("GPL");
