// SPDX-License-Identifier: GPL-2.0
/*
 * plan_switch_test.c - what a switch plan changes: the newest function
 * runs, disables and replaces pop, objects come and go, and the ranges the
 * activeness check looks for.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include "plan_test.h"

void test_stack_newest_runs_and_disable_brings_back_lower(void)
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

void test_disable_middle_patch_keeps_top(void)
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

void test_replace_reverts_what_only_replaced_patches_patched(void)
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

void test_replace_with_no_objects_reverts_everything(void)
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
void test_replace_pops_nothing_of_an_unloaded_object(void)
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

void test_objects_not_loaded_are_not_pushed(void)
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

void test_module_object_comes_goes_and_comes_back(void)
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

void test_ranges_cover_every_implementation_of_touched_addresses(void)
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

void test_ranges_list_each_stack_once(void)
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
void test_hit_finds_each_of_many_ranges_and_no_gap(void)
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
