// SPDX-License-Identifier: GPL-2.0
/*
 * plan_test.c - the pure decisions of the core (core/plan.c), in userspace.
 *
 * Patches are built here the way klpx_enable_patch() leaves them: objects
 * loaded or not, functions resolved to made-up addresses and given a
 * redirection stack, shadow types counted as registered.  Each case runs
 * the planner, applies the switch to the stacks, and checks what runs
 * afterwards at every address, which code the activeness check looks for,
 * and which shadow ids a release drops.
 *
 * Output is TAP; "plan_test RESULT" also writes "<passed> <failed> 0".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include "../../core/plan.h"

static int passed, failed;
static int case_failed;
static const char *case_name;

#define CHECK(cond) check(!!(cond), #cond, __LINE__)

static void check(int ok, const char *what, int line)
{
	if (ok)
		return;
	if (!case_failed)
		printf("# %s:\n", case_name);
	printf("#   line %d: %s\n", line, what);
	case_failed = 1;
}

/* ---- building patches ---------------------------------------------- */

/* Three addresses, each a stack, as the redirection layer would own. */
#define NR_ADDRS 5
static struct klpx_func_stack stacks[NR_ADDRS];

static unsigned long old_addr(int a)
{
	return 0x10000UL + 0x1000UL * a;
}

#define OLD_SIZE 0x100UL
#define NEW_SIZE 0x80UL

/* Replacement code: a distinct made-up range per function. */
static unsigned long next_new = 0x900000UL;

static void reset_stacks(void)
{
	int a;

	for (a = 0; a < NR_ADDRS; a++) {
		stacks[a].ip = old_addr(a);
		INIT_LIST_HEAD(&stacks[a].funcs);
	}
}

/* Reset the internals of a patch as klpx_patch_init() does. */
static void init_patch(struct klpx_patch *patch)
{
	struct klpx_object *obj;
	struct klpx_func *func;

	INIT_LIST_HEAD(&patch->list);
	klpx_for_each_object(patch, obj) {
		obj->patch = patch;
		obj->patched = false;
		obj->nr_types = 0;
		klpx_for_each_func(obj, func) {
			func->obj = obj;
			INIT_LIST_HEAD(&func->stack_node);
			func->patched = false;
			func->stack = NULL;
		}
	}
}

/*
 * Resolve the functions of the loaded objects: old_name "fN" is address
 * N; give each its stack and a replacement range; count the types as
 * registered.
 */
static void prepare_patch(struct klpx_patch *patch)
{
	struct klpx_object *obj;
	struct klpx_func *func;
	unsigned int n;

	klpx_for_each_object(patch, obj) {
		if (!klpx_object_loaded(obj))
			continue;
		klpx_for_each_func(obj, func) {
			int a = func->old_name[1] - '0';

			func->old_addr = old_addr(a);
			func->old_size = OLD_SIZE;
			func->new_func = (void *)next_new;
			func->new_size = NEW_SIZE;
			next_new += 0x1000;
			func->stack = &stacks[a];
		}
		for (n = 0; obj->shadow_types && obj->shadow_types[n]; n++)
			;
		obj->nr_types = n;
	}
}

/* What klpx_enable_patch() does around the planner, minus the machine. */
static int enable(struct klpx_patch *patch, struct list_head *enabled,
		  struct list_head *replaced)
{
	struct klpx_switch sw;
	int ret;

	prepare_patch(patch);
	ret = klpx_plan_enable(&sw, patch, enabled, true);
	if (ret)
		return ret;
	klpx_switch_apply(&sw);
	klpx_plan_free(&sw);
	if (patch->replace)
		list_splice_init(enabled, replaced);
	list_add_tail(&patch->list, enabled);
	patch->enabled = true;
	return 0;
}

static void disable(struct klpx_patch *patch)
{
	struct klpx_switch sw;

	CHECK(klpx_plan_disable(&sw, patch, true) == 0);
	klpx_switch_apply(&sw);
	klpx_plan_free(&sw);
	list_del_init(&patch->list);
	patch->enabled = false;
}

static struct klpx_func *top(int a)
{
	return klpx_stack_top(&stacks[a]);
}

/* ---- the cases ------------------------------------------------------ */

#define FUNCS(...) ((struct klpx_func[]){ __VA_ARGS__, { } })
#define F(n) { .old_name = n }

static void test_stack_newest_runs_and_disable_brings_back_lower(void)
{
	struct klpx_object o1[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_object o2[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_patch p1 = { .objs = o1 }, p2 = { .objs = o2 };
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);

	reset_stacks();
	init_patch(&p1);
	init_patch(&p2);
	CHECK(top(0) == NULL);
	CHECK(enable(&p1, &enabled, &replaced) == 0);
	CHECK(top(0) == &o1[0].funcs[0]);
	CHECK(enable(&p2, &enabled, &replaced) == 0);
	CHECK(top(0) == &o2[0].funcs[0]);
	CHECK(o1[0].funcs[0].patched && o2[0].funcs[0].patched);
	disable(&p2);
	CHECK(top(0) == &o1[0].funcs[0]);
	CHECK(!o2[0].funcs[0].patched);
	disable(&p1);
	CHECK(top(0) == NULL);
	CHECK(list_empty(&enabled));
}

static void test_disable_middle_patch_keeps_top(void)
{
	struct klpx_object o1[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_object o2[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_object o3[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_patch p1 = { .objs = o1 }, p2 = { .objs = o2 },
			  p3 = { .objs = o3 };
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);

	reset_stacks();
	init_patch(&p1);
	init_patch(&p2);
	init_patch(&p3);
	enable(&p1, &enabled, &replaced);
	enable(&p2, &enabled, &replaced);
	enable(&p3, &enabled, &replaced);
	disable(&p2);
	CHECK(top(0) == &o3[0].funcs[0]);
	disable(&p3);
	CHECK(top(0) == &o1[0].funcs[0]);
	disable(&p1);
	CHECK(top(0) == NULL);
}

static void test_replace_reverts_what_only_replaced_patches_patched(void)
{
	/* p1: f0, f1; p2: f0, f2; replace r: f0 only. */
	struct klpx_object o1[] = { { .funcs = FUNCS(F("f0"), F("f1")) }, { } };
	struct klpx_object o2[] = { { .funcs = FUNCS(F("f0"), F("f2")) }, { } };
	struct klpx_object or[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_patch p1 = { .objs = o1 }, p2 = { .objs = o2 };
	struct klpx_patch r = { .objs = or, .replace = true };
	struct klpx_switch sw;
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);

	reset_stacks();
	init_patch(&p1);
	init_patch(&p2);
	init_patch(&r);
	enable(&p1, &enabled, &replaced);
	enable(&p2, &enabled, &replaced);

	prepare_patch(&r);
	CHECK(klpx_plan_enable(&sw, &r, &enabled, false) == 0);
	CHECK(sw.nr_pop == 4 && sw.nr_push == 1 && sw.nr_ranges == 0);
	klpx_plan_free(&sw);

	CHECK(enable(&r, &enabled, &replaced) == 0);
	CHECK(top(0) == &or[0].funcs[0]);
	/* r alone on f0: disabling it reverts f0 too. */
	CHECK(list_next_entry(top(0), stack_node) ==
	      (void *)container_of(&stacks[0].funcs, struct klpx_func,
				   stack_node));
	CHECK(top(1) == NULL);
	CHECK(top(2) == NULL);
	CHECK(!o1[0].funcs[0].patched && !o1[0].funcs[1].patched);
	CHECK(!o2[0].funcs[0].patched && !o2[0].funcs[1].patched);
	CHECK(enabled.next == &r.list && r.list.next == &enabled);
	CHECK(replaced.next == &p1.list && p1.list.next == &p2.list);
	disable(&r);
	CHECK(top(0) == NULL);
}

static void test_replace_with_no_objects_reverts_everything(void)
{
	struct klpx_object o1[] = { { .funcs = FUNCS(F("f0"), F("f1")) }, { } };
	struct klpx_object none[] = { { } };
	struct klpx_patch p1 = { .objs = o1 };
	struct klpx_patch r = { .objs = none, .replace = true };
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);

	reset_stacks();
	init_patch(&p1);
	init_patch(&r);
	enable(&p1, &enabled, &replaced);
	CHECK(enable(&r, &enabled, &replaced) == 0);
	CHECK(top(0) == NULL && top(1) == NULL);
}

/*
 * A replace reverts what the replaced patch switched, and nothing of its
 * objects whose module is not loaded: those functions are on no stack.
 */
static void test_replace_pops_nothing_of_an_unloaded_object(void)
{
	struct klpx_object o1[] = {
		{ .funcs = FUNCS(F("f0")) },
		{ .name = "absent", .funcs = FUNCS(F("f1")) },
		{ }
	};
	struct klpx_object none[] = { { } };
	struct klpx_patch p1 = { .objs = o1 };
	struct klpx_patch r = { .objs = none, .replace = true };
	struct klpx_switch sw;
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);

	reset_stacks();
	init_patch(&p1);
	init_patch(&r);
	enable(&p1, &enabled, &replaced);
	prepare_patch(&r);
	CHECK(klpx_plan_enable(&sw, &r, &enabled, true) == 0);
	CHECK(sw.nr_pop == 1 && sw.pop[0] == &o1[0].funcs[0]);
	klpx_switch_apply(&sw);
	klpx_plan_free(&sw);
	CHECK(top(0) == NULL && top(1) == NULL);
}

static void test_objects_not_loaded_are_not_pushed(void)
{
	struct klpx_object objs[] = {
		{ .funcs = FUNCS(F("f0")) },
		{ .name = "absent", .funcs = FUNCS(F("f1")) },
		{ }
	};
	struct klpx_patch p = { .objs = objs };
	struct klpx_switch sw;
	LIST_HEAD(enabled);

	reset_stacks();
	init_patch(&p);
	prepare_patch(&p);
	CHECK(klpx_plan_enable(&sw, &p, &enabled, true) == 0);
	CHECK(sw.nr_push == 1 && sw.push[0] == &objs[0].funcs[0]);
	klpx_switch_apply(&sw);
	klpx_plan_free(&sw);
	CHECK(top(0) == &objs[0].funcs[0] && top(1) == NULL);
}

static void test_module_object_comes_goes_and_comes_back(void)
{
	struct module *fake_mod = (struct module *)0x1;
	struct klpx_object objs[] = {
		{ .name = "mod", .funcs = FUNCS(F("f1")) },
		{ }
	};
	struct klpx_object o2[] = { { .name = "mod", .funcs = FUNCS(F("f1")) },
				    { } };
	struct klpx_patch p = { .objs = objs }, p2 = { .objs = o2 };
	struct klpx_switch sw;
	int round;

	reset_stacks();
	init_patch(&p);
	init_patch(&p2);
	for (round = 0; round < 2; round++) {
		objs[0].mod = fake_mod;
		o2[0].mod = fake_mod;
		prepare_patch(&p);
		prepare_patch(&p2);
		/* Coming: older patch first, so the newer ends on top. */
		CHECK(klpx_plan_patch_object(&sw, &objs[0]) == 0);
		klpx_switch_apply(&sw);
		klpx_plan_free(&sw);
		CHECK(klpx_plan_patch_object(&sw, &o2[0]) == 0);
		klpx_switch_apply(&sw);
		klpx_plan_free(&sw);
		CHECK(top(1) == &o2[0].funcs[0]);
		/* Going: newest first. */
		CHECK(klpx_plan_unpatch_object(&sw, &o2[0]) == 0);
		CHECK(sw.nr_pop == 1 && sw.nr_push == 0);
		klpx_switch_apply(&sw);
		klpx_plan_free(&sw);
		CHECK(klpx_plan_unpatch_object(&sw, &objs[0]) == 0);
		klpx_switch_apply(&sw);
		klpx_plan_free(&sw);
		CHECK(top(1) == NULL);
		/* Nothing patched: a second going pops nothing. */
		CHECK(klpx_plan_unpatch_object(&sw, &objs[0]) == 0);
		CHECK(sw.nr_pop == 0);
		klpx_plan_free(&sw);
		objs[0].mod = NULL;
		o2[0].mod = NULL;
	}
}

static void test_ranges_cover_every_implementation_of_touched_addresses(void)
{
	struct klpx_object o1[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_object o2[] = { { .funcs = FUNCS(F("f0"), F("f1")) }, { } };
	struct klpx_patch p1 = { .objs = o1 }, p2 = { .objs = o2 };
	struct klpx_func *f1 = &o1[0].funcs[0], *f2 = &o2[0].funcs[0];
	struct klpx_func *g2 = &o2[0].funcs[1];
	struct klpx_switch sw;
	unsigned long trace[4];
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);
	int hit;

	reset_stacks();
	init_patch(&p1);
	init_patch(&p2);
	enable(&p1, &enabled, &replaced);
	prepare_patch(&p2);
	CHECK(klpx_plan_enable(&sw, &p2, &enabled, true) == 0);
	/* f0: original + p1's on the stack; f1: original; + 2 pushed. */
	CHECK(sw.nr_ranges == 5);

	/* The original of f0, first and last byte; past its end is free. */
	trace[0] = old_addr(0);
	CHECK(klpx_switch_hit(&sw, trace, 1) >= 0);
	hit = klpx_switch_hit(&sw, trace, 1);
	CHECK(hit >= 0 && sw.ranges[hit].name &&
	      !strcmp(sw.ranges[hit].name, "f0"));
	trace[0] = old_addr(0) + OLD_SIZE - 1;
	CHECK(klpx_switch_hit(&sw, trace, 1) >= 0);
	trace[0] = old_addr(0) + OLD_SIZE;
	CHECK(klpx_switch_hit(&sw, trace, 1) < 0);
	/* What runs now at f0 (p1's), and what is being pushed. */
	trace[0] = (unsigned long)f1->new_func + 4;
	hit = klpx_switch_hit(&sw, trace, 1);
	CHECK(hit >= 0 && !sw.ranges[hit].name);
	trace[0] = (unsigned long)f2->new_func;
	CHECK(klpx_switch_hit(&sw, trace, 1) >= 0);
	trace[0] = (unsigned long)g2->new_func + NEW_SIZE - 1;
	CHECK(klpx_switch_hit(&sw, trace, 1) >= 0);
	/* f2 is not touched; a deep frame counts like a shallow one. */
	trace[0] = old_addr(2);
	CHECK(klpx_switch_hit(&sw, trace, 1) < 0);
	trace[1] = 0x42;
	trace[2] = old_addr(1) + 8;
	CHECK(klpx_switch_hit(&sw, trace, 3) >= 0);
	klpx_plan_free(&sw);
}

static void test_ranges_list_each_stack_once(void)
{
	struct klpx_object o1[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_object o2[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_object or[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_patch p1 = { .objs = o1 }, p2 = { .objs = o2 };
	struct klpx_patch r = { .objs = or, .replace = true };
	struct klpx_switch sw;
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);
	unsigned int i, originals = 0;

	reset_stacks();
	init_patch(&p1);
	init_patch(&p2);
	init_patch(&r);
	enable(&p1, &enabled, &replaced);
	enable(&p2, &enabled, &replaced);
	prepare_patch(&r);
	CHECK(klpx_plan_enable(&sw, &r, &enabled, true) == 0);
	/* Pops p1, p2 and pushes r, all on f0: original + 2 + r. */
	CHECK(sw.nr_ranges == 4);
	for (i = 0; i < sw.nr_ranges; i++)
		originals += sw.ranges[i].name != NULL;
	CHECK(originals == 1);
	klpx_plan_free(&sw);
}

/*
 * Among hundreds of ranges (a cumulative patch), every byte of each is
 * found, and so is nothing of the gaps between them, whatever the order
 * the plan listed them in.
 */
static void test_hit_finds_each_of_many_ranges_and_no_gap(void)
{
	enum { NR = 600, SIZE = 48, GAP = 16 };
	struct klpx_range *ranges = calloc(NR, sizeof(*ranges));
	struct klpx_switch sw = { .ranges = ranges, .nr_ranges = NR };
	unsigned long base = 0x100000, a;
	unsigned int i;
	int bad = 0;

	for (i = 0; i < NR; i++) {
		ranges[i].start = base + i * (SIZE + GAP);
		ranges[i].end = ranges[i].start + SIZE;
	}
	for (i = 0; i < NR; i++) {
		a = ranges[i].start;
		bad += klpx_switch_hit(&sw, &a, 1) != (int)i;
		a = ranges[i].end - 1;
		bad += klpx_switch_hit(&sw, &a, 1) != (int)i;
		a = ranges[i].end;
		bad += klpx_switch_hit(&sw, &a, 1) != -1;
	}
	a = base - 1;
	bad += klpx_switch_hit(&sw, &a, 1) != -1;
	CHECK(bad == 0);
	free(ranges);
}

static void test_duplicates_are_found(void)
{
	struct klpx_object twice[] = {
		{ .funcs = FUNCS(F("f0")) },
		{ .name = "m", .funcs = FUNCS(F("f1")) },
		{ .funcs = FUNCS(F("f2")) },
		{ }
	};
	struct klpx_object same[] = {
		{ .funcs = FUNCS(F("f0"), F("f1")) },
		{ .name = "m", .funcs = FUNCS(F("f1")) },
		{ }
	};
	struct klpx_object fine[] = {
		{ .funcs = FUNCS(F("f0"), F("f1")) },
		{ .name = "m", .funcs = FUNCS(F("f2")) },
		{ .name = "n", .funcs = FUNCS(F("f1")) },
		{ }
	};
	struct klpx_patch pt = { .objs = twice }, ps = { .objs = same };
	struct klpx_patch pf = { .objs = fine };

	reset_stacks();
	init_patch(&pt);
	init_patch(&ps);
	init_patch(&pf);
	CHECK(klpx_plan_duplicate_object(&pt) == &twice[2]);
	CHECK(klpx_plan_duplicate_object(&ps) == NULL);
	same[1].mod = (struct module *)0x1;
	prepare_patch(&ps);
	CHECK(klpx_plan_duplicate_func(&ps) == &same[1].funcs[0]);
	/* "n" is not loaded: its f1 is not resolved, not a duplicate. */
	fine[1].mod = (struct module *)0x1;
	prepare_patch(&pf);
	CHECK(klpx_plan_duplicate_object(&pf) == NULL);
	CHECK(klpx_plan_duplicate_func(&pf) == NULL);
}

static struct klpx_shadow_type type_a = { .id = 1, .name = "a" };
static struct klpx_shadow_type type_a2 = { .id = 1, .name = "a" };
static struct klpx_shadow_type type_a3 = { .id = 1, .name = "a" };
static struct klpx_shadow_type type_b = { .id = 2, .name = "b" };
static struct klpx_shadow_type type_b2 = { .id = 2, .name = "b" };
static struct klpx_shadow_type type_c = { .id = 3, .name = "c" };

#define TYPES(...) ((struct klpx_shadow_type *[]){ __VA_ARGS__, NULL })

static void test_a_type_struct_listed_twice_is_found(void)
{
	struct klpx_object across[] = {
		{ .funcs = FUNCS(F("f0")), .shadow_types = TYPES(&type_a, &type_b) },
		{ .name = "m", .funcs = FUNCS(F("f1")), .shadow_types = TYPES(&type_b) },
		{ }
	};
	struct klpx_object within[] = {
		{ .funcs = FUNCS(F("f0")), .shadow_types = TYPES(&type_c, &type_c) },
		{ }
	};
	/* Distinct structs of one id, one per object: what authors should do. */
	struct klpx_object fine[] = {
		{ .funcs = FUNCS(F("f0")), .shadow_types = TYPES(&type_a, &type_b) },
		{ .name = "m", .funcs = FUNCS(F("f1")), .shadow_types = TYPES(&type_a2) },
		{ .name = "n", .funcs = FUNCS(F("f2")), .shadow_types = TYPES(&type_a3, &type_b2) },
		{ }
	};
	struct klpx_patch pa = { .objs = across }, pw = { .objs = within };
	struct klpx_patch pf = { .objs = fine };
	struct klpx_object *first = NULL, *second = NULL;

	reset_stacks();
	init_patch(&pa);
	init_patch(&pw);
	init_patch(&pf);
	CHECK(klpx_plan_duplicate_type(&pa, &first, &second) == &type_b);
	CHECK(first == &across[0] && second == &across[1]);
	first = second = NULL;
	CHECK(klpx_plan_duplicate_type(&pw, &first, &second) == &type_c);
	CHECK(first == &within[0] && second == &within[0]);
	CHECK(klpx_plan_duplicate_type(&pf, &first, &second) == NULL);
}

static void test_replace_drops_only_ids_the_new_patch_does_not_carry(void)
{
	struct klpx_object o1[] = { { .funcs = FUNCS(F("f0")),
				      .shadow_types = TYPES(&type_a, &type_b) },
				    { } };
	struct klpx_object or[] = { { .funcs = FUNCS(F("f0")),
				      .shadow_types = TYPES(&type_b2) },
				    { } };
	struct klpx_patch p1 = { .objs = o1 };
	struct klpx_patch r = { .objs = or, .replace = true };
	struct klpx_release rel;
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);

	reset_stacks();
	init_patch(&p1);
	init_patch(&r);
	enable(&p1, &enabled, &replaced);
	enable(&r, &enabled, &replaced);
	CHECK(klpx_plan_release_patches(&rel, &replaced, &enabled) == 0);
	CHECK(rel.nr == 2);
	CHECK(rel.types[0] == &type_a && rel.drops[0]);
	CHECK(rel.types[1] == &type_b && !rel.drops[1]);
	klpx_release_free(&rel);
}

static void test_an_id_is_dropped_by_its_last_leaving_registration(void)
{
	/* Three stacked patches register id 1; a replace carries none. */
	struct klpx_object o1[] = { { .funcs = FUNCS(F("f0")),
				      .shadow_types = TYPES(&type_a) }, { } };
	struct klpx_object o2[] = { { .funcs = FUNCS(F("f0")),
				      .shadow_types = TYPES(&type_a2, &type_c) },
				    { } };
	struct klpx_object o3[] = { { .funcs = FUNCS(F("f0")),
				      .shadow_types = TYPES(&type_a3) }, { } };
	struct klpx_object or[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_patch p1 = { .objs = o1 }, p2 = { .objs = o2 },
			  p3 = { .objs = o3 };
	struct klpx_patch r = { .objs = or, .replace = true };
	struct klpx_release rel;
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);

	reset_stacks();
	init_patch(&p1);
	init_patch(&p2);
	init_patch(&p3);
	init_patch(&r);
	enable(&p1, &enabled, &replaced);
	enable(&p2, &enabled, &replaced);
	enable(&p3, &enabled, &replaced);
	enable(&r, &enabled, &replaced);
	CHECK(klpx_plan_release_patches(&rel, &replaced, &enabled) == 0);
	/* Oldest first: the newest replaced patch's dtor collects. */
	CHECK(rel.nr == 4);
	CHECK(rel.types[0] == &type_a && !rel.drops[0]);
	CHECK(rel.types[1] == &type_a2 && !rel.drops[1]);
	CHECK(rel.types[2] == &type_c && rel.drops[2]);
	CHECK(rel.types[3] == &type_a3 && rel.drops[3]);
	klpx_release_free(&rel);
}

static void test_disable_keeps_ids_another_enabled_patch_holds(void)
{
	struct klpx_object o1[] = { { .funcs = FUNCS(F("f0")),
				      .shadow_types = TYPES(&type_a) }, { } };
	struct klpx_object o2[] = { { .funcs = FUNCS(F("f1")),
				      .shadow_types = TYPES(&type_a2, &type_b) },
				    { } };
	struct klpx_patch p1 = { .objs = o1 }, p2 = { .objs = o2 };
	struct klpx_release rel;
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);
	LIST_HEAD(leaving);

	reset_stacks();
	init_patch(&p1);
	init_patch(&p2);
	enable(&p1, &enabled, &replaced);
	enable(&p2, &enabled, &replaced);
	disable(&p2);
	list_add(&p2.list, &leaving);
	CHECK(klpx_plan_release_patches(&rel, &leaving, &enabled) == 0);
	CHECK(rel.nr == 2 && !rel.drops[0] && rel.drops[1]);
	klpx_release_free(&rel);
}

static void test_going_object_drops_ids_no_other_object_holds(void)
{
	struct klpx_object o1[] = {
		{ .funcs = FUNCS(F("f0")), .shadow_types = TYPES(&type_a) },
		{ .name = "m", .funcs = FUNCS(F("f1")),
		  .shadow_types = TYPES(&type_a2, &type_b) },
		{ }
	};
	struct klpx_patch p1 = { .objs = o1 };
	struct klpx_release rel;
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);

	reset_stacks();
	init_patch(&p1);
	o1[1].mod = (struct module *)0x1;
	enable(&p1, &enabled, &replaced);
	CHECK(klpx_plan_release_object(&rel, &o1[1], &enabled) == 0);
	/* vmlinux still holds id 1; nothing else holds id 2. */
	CHECK(rel.nr == 2);
	CHECK(rel.types[0] == &type_a2 && !rel.drops[0]);
	CHECK(rel.types[1] == &type_b && rel.drops[1]);
	klpx_release_free(&rel);
}

/*
 * Undoing a replace (its module's init failed) puts every stack back as it
 * was: the newest replaced patch on top, the older ones under it, and the
 * addresses only the replace patched back to the original.
 */
static void test_restore_puts_the_replaced_stacks_back_in_order(void)
{
	/* p1: f0, f1; p2: f0, f2; replace r: f0, f3. */
	struct klpx_object o1[] = { { .funcs = FUNCS(F("f0"), F("f1")) }, { } };
	struct klpx_object o2[] = {
		{ .funcs = FUNCS(F("f0"), F("f2")) },
		{ .name = "absent", .funcs = FUNCS(F("f4")) },
		{ }
	};
	struct klpx_object or[] = { { .funcs = FUNCS(F("f0"), F("f3")) }, { } };
	struct klpx_patch p1 = { .objs = o1 }, p2 = { .objs = o2 };
	struct klpx_patch r = { .objs = or, .replace = true };
	struct klpx_switch sw;
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);

	reset_stacks();
	init_patch(&p1);
	init_patch(&p2);
	init_patch(&r);
	enable(&p1, &enabled, &replaced);
	enable(&p2, &enabled, &replaced);
	CHECK(enable(&r, &enabled, &replaced) == 0);
	CHECK(top(1) == NULL && top(2) == NULL && top(3) == &or[0].funcs[1]);

	CHECK(klpx_plan_restore(&sw, &r, &replaced) == 0);
	CHECK(sw.nr_pop == 2 && sw.nr_push == 4 && sw.check);
	/* The ranges of every implementation of f0..f3, and of the pushes. */
	CHECK(klpx_switch_hit(&sw, (unsigned long[]){ old_addr(3) }, 1) >= 0);
	CHECK(klpx_switch_hit(&sw,
		(unsigned long[]){ (unsigned long)o1[0].funcs[1].new_func }, 1) >= 0);
	klpx_switch_apply(&sw);
	klpx_plan_free(&sw);

	CHECK(top(0) == &o2[0].funcs[0]);
	CHECK(list_next_entry(top(0), stack_node) == &o1[0].funcs[0]);
	CHECK(top(1) == &o1[0].funcs[1] && top(2) == &o2[0].funcs[1]);
	CHECK(top(3) == NULL && top(4) == NULL);
	CHECK(!o2[1].funcs[0].patched);
	CHECK(!or[0].funcs[0].patched && !or[0].funcs[1].patched);
}

/*
 * A replace enabled from an init stays pending until the init returns;
 * module events settle it early only when they could change what undoing
 * it restores: the modules of the replace and of the patches it replaced,
 * and the modules their objects patch.  Any other module (udev's, one the
 * init loads) leaves it pending, so a failing init still gets the
 * replaced patches back.
 */
static void test_a_pending_replace_is_concerned_only_by_its_modules(void)
{
	struct klpx_object or[] = {
		{ .funcs = FUNCS(F("f0")) },
		{ .name = "mod_r", .funcs = FUNCS(F("f1")) },
		{ }
	};
	struct klpx_object o1[] = { { .name = "mod_o", .funcs = FUNCS(F("f2")) }, { } };
	struct klpx_object o2[] = { { .funcs = FUNCS(F("f3")) }, { } };
	int m_r, m_1, m_2, m_other;
	struct module *r_mod = (void *)&m_r, *p1_mod = (void *)&m_1;
	struct module *p2_mod = (void *)&m_2, *other = (void *)&m_other;
	struct klpx_patch r = { .objs = or, .replace = true, .mod = r_mod };
	struct klpx_patch p1 = { .objs = o1, .mod = p1_mod };
	struct klpx_patch p2 = { .objs = o2, .mod = p2_mod };

	init_patch(&r);
	init_patch(&p1);
	init_patch(&p2);
	INIT_LIST_HEAD(&r.replaced);
	list_add_tail(&p1.list, &r.replaced);
	list_add_tail(&p2.list, &r.replaced);

	CHECK(klpx_plan_replace_concerns(&r, r_mod, "r"));
	CHECK(klpx_plan_replace_concerns(&r, p1_mod, "p1"));
	CHECK(klpx_plan_replace_concerns(&r, p2_mod, "p2"));
	CHECK(klpx_plan_replace_concerns(&r, other, "mod_r"));
	CHECK(klpx_plan_replace_concerns(&r, other, "mod_o"));
	CHECK(!klpx_plan_replace_concerns(&r, other, "unrelated"));
	CHECK(!klpx_plan_replace_concerns(&r, other, "mod"));
	/* vmlinux objects name no module */
	CHECK(!klpx_plan_replace_concerns(&r, other, ""));
}

static void test_allocation_failures_leave_nothing_allocated(void)
{
	struct klpx_object o1[] = { { .funcs = FUNCS(F("f0"), F("f1")),
				      .shadow_types = TYPES(&type_a) }, { } };
	struct klpx_object or[] = { { .funcs = FUNCS(F("f0")) }, { } };
	struct klpx_patch p1 = { .objs = o1 };
	struct klpx_patch r = { .objs = or, .replace = true };
	struct klpx_release rel;
	struct klpx_switch sw;
	LIST_HEAD(enabled);
	LIST_HEAD(replaced);
	long live = shim_live_allocations;
	int nth, ret;

	reset_stacks();
	init_patch(&p1);
	init_patch(&r);
	enable(&p1, &enabled, &replaced);
	prepare_patch(&r);
	/* A plan makes three allocations; fail each in turn. */
	for (nth = 1; nth <= 3; nth++) {
		shim_fail_at = nth;
		ret = klpx_plan_enable(&sw, &r, &enabled, true);
		CHECK(ret == -ENOMEM);
		CHECK(sw.pop == NULL && sw.push == NULL && sw.ranges == NULL);
		CHECK(shim_live_allocations == live);
	}
	for (nth = 1; nth <= 2; nth++) {
		shim_fail_at = nth;
		CHECK(klpx_plan_disable(&sw, &p1, true) == -ENOMEM);
		CHECK(shim_live_allocations == live);
		shim_fail_at = nth;
		CHECK(klpx_plan_release_patches(&rel, &enabled, &replaced) ==
		      -ENOMEM);
		CHECK(rel.types == NULL && rel.drops == NULL);
		CHECK(shim_live_allocations == live);
	}
	shim_fail_at = 0;
	/* The stacks did not move. */
	CHECK(top(0) == &o1[0].funcs[0] && top(1) == &o1[0].funcs[1]);
}

/* ---- driver --------------------------------------------------------- */

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
#define CASE(fn) { #fn + 5, fn }
	CASE(test_stack_newest_runs_and_disable_brings_back_lower),
	CASE(test_disable_middle_patch_keeps_top),
	CASE(test_replace_reverts_what_only_replaced_patches_patched),
	CASE(test_replace_with_no_objects_reverts_everything),
	CASE(test_objects_not_loaded_are_not_pushed),
	CASE(test_replace_pops_nothing_of_an_unloaded_object),
	CASE(test_module_object_comes_goes_and_comes_back),
	CASE(test_ranges_cover_every_implementation_of_touched_addresses),
	CASE(test_ranges_list_each_stack_once),
	CASE(test_hit_finds_each_of_many_ranges_and_no_gap),
	CASE(test_duplicates_are_found),
	CASE(test_a_type_struct_listed_twice_is_found),
	CASE(test_replace_drops_only_ids_the_new_patch_does_not_carry),
	CASE(test_an_id_is_dropped_by_its_last_leaving_registration),
	CASE(test_disable_keeps_ids_another_enabled_patch_holds),
	CASE(test_going_object_drops_ids_no_other_object_holds),
	CASE(test_restore_puts_the_replaced_stacks_back_in_order),
	CASE(test_a_pending_replace_is_concerned_only_by_its_modules),
	CASE(test_allocation_failures_leave_nothing_allocated),
#undef CASE
};

int main(int argc, char **argv)
{
	unsigned int i, n = sizeof(cases) / sizeof(cases[0]);
	long live = shim_live_allocations;
	FILE *f;

	printf("TAP version 13\n1..%u\n", n);
	for (i = 0; i < n; i++) {
		case_name = cases[i].name;
		case_failed = 0;
		cases[i].fn();
		if (shim_live_allocations != live)
			check(0, "no allocation outlives the case", 0);
		live = shim_live_allocations;
		if (case_failed)
			failed++;
		else
			passed++;
		printf("%sok %u %s\n", case_failed ? "not " : "", i + 1,
		       cases[i].name);
	}
	printf("# %d passed, %d failed\n", passed, failed);
	if (argc > 1) {
		f = fopen(argv[1], "w");
		if (!f) {
			perror(argv[1]);
			return 2;
		}
		fprintf(f, "%d %d 0\n", passed, failed);
		fclose(f);
	}
	return failed ? 1 : 0;
}
