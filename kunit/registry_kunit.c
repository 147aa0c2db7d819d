// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the shadow type registry: what registering and
 * unregistering a klpx_shadow_type does, which registrations are refused,
 * how types sharing an id share one refcount, and garbage collection when
 * the last registration of an id goes.
 */
#include <kunit/test.h>
#include <linux/klpx.h>
#include <linux/irq_work.h>
#include <linux/limits.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "shadow/shadow.h"
#include "fixture.h"

#define OBJS	64

/* What klpx_shadow_walk_classes() reported for one id. */
struct snapshot {
	unsigned long id;
	bool found;
	char name[32];
	size_t size;
	unsigned int refs;
	size_t live;
	int position;		/* order among all classes reported */
	int seen;		/* classes reported so far */
};

static void snapshot_one(const struct klpx_shadow_stat *st, void *arg)
{
	struct snapshot *snap = arg;

	snap->seen++;
	if (st->id != snap->id)
		return;
	snap->found = true;
	strscpy(snap->name, st->name, sizeof(snap->name));
	snap->size = st->size;
	snap->refs = st->refs;
	snap->live = st->live;
	snap->position = snap->seen;
}

static struct snapshot snapshot(unsigned long id)
{
	struct snapshot snap = { .id = id };

	klpx_shadow_walk_classes(snapshot_one, &snap);
	return snap;
}

/* Distinct objects to attach variables to; only their addresses matter. */
static char objs[OBJS];

static void alloc_all(struct kunit *test, struct klpx_kunit_fx *fx, int i)
{
	int n;

	for (n = 0; n < OBJS; n++)
		KUNIT_ASSERT_NOT_NULL(test,
				      klpx_shadow_alloc(&objs[n], &fx->types[i],
							GFP_KERNEL, fx));
}

static void klpx_shadow_registry_register_lists_the_id(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();
	struct snapshot snap;

	klpx_kunit_type(fx, 0, id, 0);
	fx->types[0].name = "registry_lists";
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(&fx->types[0]), 0);

	snap = snapshot(id);
	KUNIT_ASSERT_TRUE(test, snap.found);
	KUNIT_EXPECT_STREQ(test, snap.name, "registry_lists");
	KUNIT_EXPECT_EQ(test, snap.size, sizeof(struct klpx_kunit_rec));
	KUNIT_EXPECT_EQ(test, snap.refs, 1);
	KUNIT_EXPECT_EQ(test, snap.live, 0);

	klpx_kunit_unregister(fx, 0);
	KUNIT_EXPECT_FALSE(test, snapshot(id).found);
}

static void klpx_shadow_registry_lists_ids_in_registration_order(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long first = klpx_kunit_new_id();
	unsigned long second = klpx_kunit_new_id();

	/* The later id registers first. */
	klpx_kunit_type(fx, 0, second, 0);
	klpx_kunit_type(fx, 1, first, 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 1), 0);

	KUNIT_EXPECT_LT(test, snapshot(second).position,
			snapshot(first).position);
}

static void klpx_shadow_registry_snapshot_counts_live_variables(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();

	klpx_kunit_type(fx, 0, id, 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	alloc_all(test, fx, 0);
	KUNIT_EXPECT_EQ(test, snapshot(id).live, OBJS);
	klpx_shadow_free(&objs[0], &fx->types[0]);
	KUNIT_EXPECT_EQ(test, snapshot(id).live, OBJS - 1);
}

static void klpx_shadow_registry_rejects_null_type(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, klpx_shadow_register(NULL), -EINVAL);
}

static void klpx_shadow_registry_rejects_null_name(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();

	klpx_kunit_type(fx, 0, id, 0);
	fx->types[0].name = NULL;
	KUNIT_EXPECT_EQ(test, klpx_kunit_register(fx, 0), -EINVAL);
	KUNIT_EXPECT_FALSE(test, snapshot(id).found);
}

static void klpx_shadow_registry_rejects_the_same_struct_twice(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();
	void *data;

	klpx_kunit_type(fx, 0, id, 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	data = klpx_shadow_alloc(&objs[0], &fx->types[0], GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, data);

	KUNIT_EXPECT_EQ(test, klpx_shadow_register(&fx->types[0]), -EINVAL);

	/* Nothing changed: one reference, the variable untouched. */
	KUNIT_EXPECT_EQ(test, snapshot(id).refs, 1);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], &fx->types[0]),
			    data);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 0);

	/* One unregister is the last one. */
	klpx_kunit_unregister(fx, 0);
	KUNIT_EXPECT_FALSE(test, snapshot(id).found);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 1);
}

static void klpx_shadow_registry_rejects_an_id_with_another_name(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();
	void *data;

	klpx_kunit_type(fx, 0, id, 0);
	klpx_kunit_type(fx, 1, id, 1);
	fx->types[0].name = "conflict_a";
	fx->types[1].name = "conflict_b";
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	data = klpx_shadow_alloc(&objs[0], &fx->types[0], GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, data);

	KUNIT_EXPECT_EQ(test, klpx_kunit_register(fx, 1), -EINVAL);

	KUNIT_EXPECT_STREQ(test, snapshot(id).name, "conflict_a");
	KUNIT_EXPECT_EQ(test, snapshot(id).refs, 1);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], &fx->types[0]),
			    data);
}

static void klpx_shadow_registry_rejects_an_id_with_another_size(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();
	void *data;

	klpx_kunit_type(fx, 0, id, 0);
	klpx_kunit_type(fx, 1, id, 1);
	fx->types[1].size = fx->types[0].size * 2;
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	data = klpx_shadow_alloc(&objs[0], &fx->types[0], GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, data);

	KUNIT_EXPECT_EQ(test, klpx_kunit_register(fx, 1), -EINVAL);

	KUNIT_EXPECT_EQ(test, snapshot(id).size, fx->types[0].size);
	KUNIT_EXPECT_EQ(test, snapshot(id).refs, 1);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], &fx->types[0]),
			    data);
}

/* API.md 2.15: no size may reach the slab allocator that it cannot serve. */
static void klpx_shadow_registry_rejects_sizes_no_allocator_serves(struct kunit *test)
{
	static const size_t sizes[] = {
		SIZE_MAX, SIZE_MAX / 2, 1UL << 32, KMALLOC_MAX_SIZE,
	};
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		klpx_kunit_type(fx, 0, id, 0);
		fx->types[0].size = sizes[i];
		KUNIT_EXPECT_EQ(test, klpx_kunit_register(fx, 0), -EINVAL);
		KUNIT_EXPECT_EQ(test, snapshot(id).refs, 0);
	}
	/* and the registry is not left locked: a sane size still registers */
	klpx_kunit_type(fx, 0, id, 0);
	KUNIT_EXPECT_EQ(test, klpx_kunit_register(fx, 0), 0);
}

/* Ids of 20 decimal digits that agree on the first 19 are distinct ids. */
static void klpx_shadow_registry_ids_above_1e19_do_not_collide(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	void *a, *b;

	klpx_kunit_type(fx, 0, 10000000000000000000UL, 0);
	klpx_kunit_type(fx, 1, 10000000000000000001UL, 1);
	fx->types[1].name = "other_id";
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 1), 0);
	a = klpx_shadow_alloc(&objs[0], &fx->types[0], GFP_KERNEL, fx);
	b = klpx_shadow_alloc(&objs[0], &fx->types[1], GFP_KERNEL, fx);
	KUNIT_EXPECT_NOT_NULL(test, a);
	KUNIT_EXPECT_NOT_NULL(test, b);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, snapshot(10000000000000000000UL).refs, 1);
	KUNIT_EXPECT_EQ(test, snapshot(10000000000000000001UL).refs, 1);
}

static void klpx_shadow_registry_same_id_types_share_variables(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();
	struct klpx_shadow_type *a = klpx_kunit_type(fx, 0, id, 0);
	struct klpx_shadow_type *b = klpx_kunit_type(fx, 1, id, 1);
	void *data;

	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 1), 0);
	KUNIT_EXPECT_EQ(test, snapshot(id).refs, 2);

	data = klpx_shadow_alloc(&objs[0], a, GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], b), data);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get_or_alloc(&objs[0], b,
							   GFP_KERNEL, fx), data);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls), 1);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(b), 1);

	/* A variable made through one struct is freed through the other. */
	klpx_shadow_free(&objs[0], b);
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[0], a));
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[1]), 1);
}

static void klpx_shadow_registry_variables_survive_while_a_registration_remains(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();
	int n;

	klpx_kunit_type(fx, 0, id, 0);
	klpx_kunit_type(fx, 1, id, 1);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 1), 0);
	alloc_all(test, fx, 0);

	klpx_kunit_unregister(fx, 0);

	KUNIT_EXPECT_EQ(test, snapshot(id).refs, 1);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(&fx->types[1]), OBJS);
	for (n = 0; n < OBJS; n++) {
		struct klpx_kunit_rec *rec;

		rec = klpx_shadow_get(&objs[n], &fx->types[1]);
		KUNIT_ASSERT_NOT_NULL(test, rec);
		KUNIT_EXPECT_PTR_EQ(test, rec->obj, (void *)&objs[n]);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[1]), 0);
}

/*
 * The last unregistering struct's dtor destroys every variable, exactly
 * once each, before klpx_shadow_unregister() returns; @last picks which of
 * the two structs goes last.
 */
static void check_gc_by_last(struct kunit *test, int last)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();

	klpx_kunit_type(fx, 0, id, 0);
	klpx_kunit_type(fx, 1, id, 1);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 1), 0);
	alloc_all(test, fx, 0);
	KUNIT_ASSERT_NOT_NULL(test, klpx_shadow_alloc(NULL, &fx->types[1],
						      GFP_KERNEL, fx));

	klpx_kunit_unregister(fx, !last);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[!last]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[last]), 0);

	klpx_kunit_unregister(fx, last);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[last]), OBJS + 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[!last]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->bad_dtor), 0);
	KUNIT_EXPECT_FALSE(test, snapshot(id).found);
}

static void klpx_shadow_registry_gc_uses_the_dtor_of_the_last_unregistered(struct kunit *test)
{
	check_gc_by_last(test, 1);
}

static void klpx_shadow_registry_gc_uses_the_last_dtor_even_if_registered_first(struct kunit *test)
{
	check_gc_by_last(test, 0);
}

static void klpx_shadow_registry_gc_without_dtor_frees_every_variable(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type;

	type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	type->dtor = NULL;
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	alloc_all(test, fx, 0);
	klpx_kunit_unregister(fx, 0);
	/* KASAN and the leak-free reregistration below are the checks. */
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 0);
}

static void klpx_shadow_registry_reregistered_id_starts_empty(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();
	struct klpx_shadow_type *type = klpx_kunit_type(fx, 0, id, 0);
	int n;

	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	alloc_all(test, fx, 0);
	KUNIT_ASSERT_NOT_NULL(test, klpx_shadow_alloc(NULL, type,
						      GFP_KERNEL, fx));
	klpx_kunit_unregister(fx, 0);

	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 0);
	KUNIT_EXPECT_EQ(test, snapshot(id).live, 0);
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(NULL, type));
	for (n = 0; n < OBJS; n++)
		KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[n], type));

	/* A new variable at an old address is built afresh. */
	KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_get_or_alloc(&objs[0], type,
							     GFP_KERNEL, fx));
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls), OBJS + 2);
}

static void klpx_shadow_registry_gc_leaves_other_ids_alone(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);

	klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	klpx_kunit_type(fx, 1, klpx_kunit_new_id(), 1);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 1), 0);
	alloc_all(test, fx, 0);
	alloc_all(test, fx, 1);

	klpx_kunit_unregister(fx, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), OBJS);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[1]), 0);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(&fx->types[1]), OBJS);
	KUNIT_EXPECT_NOT_NULL(test, klpx_shadow_get(&objs[OBJS - 1],
						    &fx->types[1]));
}

static void klpx_shadow_registry_unregistering_an_unregistered_type_warns(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	unsigned long id = klpx_kunit_new_id();
	void *data;

	/* types[1] shares the registered id but never registered itself. */
	klpx_kunit_type(fx, 0, id, 0);
	klpx_kunit_type(fx, 1, id, 1);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	data = klpx_shadow_alloc(&objs[0], &fx->types[0], GFP_KERNEL, fx);
	KUNIT_ASSERT_NOT_NULL(test, data);

	klpx_shadow_unregister(&fx->types[1]);

	KUNIT_EXPECT_EQ(test, snapshot(id).refs, 1);
	KUNIT_EXPECT_PTR_EQ(test, klpx_shadow_get(&objs[0], &fx->types[0]),
			    data);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[0]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->dtor_calls[1]), 0);
}

/* Every call on @type, whose id is not registered, is a harmless no-op. */
static void check_calls_on_unregistered(struct kunit *test,
					struct klpx_kunit_fx *fx,
					struct klpx_shadow_type *type)
{
	KUNIT_EXPECT_NULL(test, klpx_shadow_get(&objs[0], type));
	KUNIT_EXPECT_NULL(test, klpx_shadow_alloc(&objs[0], type,
						  GFP_KERNEL, fx));
	KUNIT_EXPECT_NULL(test, klpx_shadow_get_or_alloc(&objs[0], type,
							 GFP_KERNEL, fx));
	klpx_shadow_free(&objs[0], type);
	klpx_shadow_free_all(type);
	KUNIT_EXPECT_EQ(test, klpx_shadow_count(type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->ctor_calls), 0);
}

static void klpx_shadow_registry_calls_on_a_never_registered_type_do_nothing(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type;

	type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	check_calls_on_unregistered(test, fx, type);
}

static void klpx_shadow_registry_calls_after_the_last_unregister_do_nothing(struct kunit *test)
{
	struct klpx_kunit_fx *fx = klpx_kunit_fx(test);
	struct klpx_shadow_type *type;

	type = klpx_kunit_type(fx, 0, klpx_kunit_new_id(), 0);
	KUNIT_ASSERT_EQ(test, klpx_kunit_register(fx, 0), 0);
	klpx_kunit_unregister(fx, 0);
	check_calls_on_unregistered(test, fx, type);
}

/*
 * Grace periods, counted with RCU's polling cookies, in units of what one
 * synchronize_rcu() right after another advances them by.
 */
static unsigned long grace_unit(void)
{
	unsigned long before;

	synchronize_rcu();
	before = get_state_synchronize_rcu();
	synchronize_rcu();
	return get_state_synchronize_rcu() - before;
}

#define GC_BATCH	64

/*
 * Register @nr ids with a variable each and collect them together with
 * klpx_shadow_unregister_many(); return how far RCU's cookie moved
 * meanwhile.  The classes of earlier collections are freed first, so that
 * their keys' grace periods do not fall into the count.
 */
static unsigned long collect_ids(struct kunit *test, int nr)
{
	struct klpx_shadow_type *types, **ptrs;
	unsigned long before, waited;
	int i;

	types = kunit_kcalloc(test, nr, sizeof(*types), GFP_KERNEL);
	ptrs = kunit_kcalloc(test, nr, sizeof(*ptrs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, types);
	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	for (i = 0; i < nr; i++) {
		types[i].id = klpx_kunit_new_id();
		types[i].name = "registry_gc_batch";
		types[i].size = sizeof(struct klpx_kunit_rec);
		ptrs[i] = &types[i];
		KUNIT_ASSERT_EQ(test, klpx_shadow_register(&types[i]), 0);
		KUNIT_ASSERT_NOT_NULL(test, klpx_shadow_alloc(objs, &types[i],
							      GFP_KERNEL, NULL));
	}
	klpx_shadow_flush_collected();

	before = get_state_synchronize_rcu();
	klpx_shadow_unregister_many(ptrs, nr);
	waited = get_state_synchronize_rcu() - before;

	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_FALSE(test, snapshot(types[i].id).found);
	klpx_shadow_flush_collected();
	return waited;
}

static void nop_irq_work(struct irq_work *work)
{
}

/*
 * Collecting many ids at once waits for as many grace periods as
 * collecting one, whatever the kernel's debugging: with lockdep (this
 * configuration has it), each id's lock key must not cost the collection
 * a grace period of its own.  One wait per id is the kernel's, not the
 * store's, and is counted apart: irq_work_sync() of each id's resize
 * kick, which waits for a grace period where IRQ work has no interrupt
 * of its own (UML), and spins elsewhere.
 */
static void klpx_shadow_registry_gc_of_many_ids_waits_as_for_one(struct kunit *test)
{
	struct irq_work kick = IRQ_WORK_INIT_HARD(nop_irq_work);
	unsigned long unit, sync, before, one, many;

	unit = grace_unit();
	KUNIT_ASSERT_GT(test, unit, 0UL);
	before = get_state_synchronize_rcu();
	irq_work_sync(&kick);
	sync = get_state_synchronize_rcu() - before;

	one = collect_ids(test, 1);
	many = collect_ids(test, GC_BATCH);
	/* Room for a few unrelated grace periods. */
	KUNIT_EXPECT_LE_MSG(test, many,
			    one + (GC_BATCH - 1) * sync + GC_BATCH / 4 * unit,
			    "1 id collected in %lu grace periods, %d in %lu (irq_work_sync(): %lu)",
			    one / unit, GC_BATCH, many / unit, sync / unit);
}

static struct kunit_case klpx_shadow_registry_cases[] = {
	KUNIT_CASE(klpx_shadow_registry_register_lists_the_id),
	KUNIT_CASE(klpx_shadow_registry_lists_ids_in_registration_order),
	KUNIT_CASE(klpx_shadow_registry_snapshot_counts_live_variables),
	KUNIT_CASE(klpx_shadow_registry_rejects_null_type),
	KUNIT_CASE(klpx_shadow_registry_rejects_null_name),
	KUNIT_CASE(klpx_shadow_registry_rejects_the_same_struct_twice),
	KUNIT_CASE(klpx_shadow_registry_rejects_an_id_with_another_name),
	KUNIT_CASE(klpx_shadow_registry_rejects_an_id_with_another_size),
	KUNIT_CASE(klpx_shadow_registry_rejects_sizes_no_allocator_serves),
	KUNIT_CASE(klpx_shadow_registry_ids_above_1e19_do_not_collide),
	KUNIT_CASE(klpx_shadow_registry_same_id_types_share_variables),
	KUNIT_CASE(klpx_shadow_registry_variables_survive_while_a_registration_remains),
	KUNIT_CASE(klpx_shadow_registry_gc_uses_the_dtor_of_the_last_unregistered),
	KUNIT_CASE(klpx_shadow_registry_gc_uses_the_last_dtor_even_if_registered_first),
	KUNIT_CASE(klpx_shadow_registry_gc_without_dtor_frees_every_variable),
	KUNIT_CASE(klpx_shadow_registry_reregistered_id_starts_empty),
	KUNIT_CASE(klpx_shadow_registry_gc_leaves_other_ids_alone),
	KUNIT_CASE(klpx_shadow_registry_gc_of_many_ids_waits_as_for_one),
	KUNIT_CASE(klpx_shadow_registry_unregistering_an_unregistered_type_warns),
	KUNIT_CASE(klpx_shadow_registry_calls_on_a_never_registered_type_do_nothing),
	KUNIT_CASE(klpx_shadow_registry_calls_after_the_last_unregister_do_nothing),
	{}
};

static struct kunit_suite klpx_shadow_registry_suite = {
	.name = "klpx_shadow_registry",
	.init = klpx_kunit_init,
	.exit = klpx_kunit_exit,
	.test_cases = klpx_shadow_registry_cases,
};

kunit_test_suite(klpx_shadow_registry_suite);

MODULE_LICENSE("GPL");
