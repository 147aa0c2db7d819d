// SPDX-License-Identifier: GPL-2.0
/*
 * plan_release_test.c - the checks of a patch, the shadow types that leave
 * with patches and objects, restores of a replace, module events during a
 * replace, and allocation failures.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errno.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "plan_test.h"

void test_duplicates_are_found(void)
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

void test_a_type_struct_listed_twice_is_found(void)
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

#define R(n) { .old_name = n, .new_func = (void *)1 }

/* The first fault of a patch, in the order the enable reports it. */
static enum klpx_plan_fault first_fault(struct klpx_object *objs,
					struct klpx_plan_check *found)
{
	struct klpx_patch patch = { .objs = objs };

	init_patch(&patch);
	return klpx_plan_check_patch(&patch, found);
}

void test_author_faults_are_found_in_order(void)
{
	char longest[MODULE_NAME_LEN], too_long[MODULE_NAME_LEN + 1];
	struct klpx_object fine[] = {
		{ .funcs = FUNCS(R("f0")) },
		{ .name = longest, .funcs = FUNCS(R("f1")) },
		{ .name = "empty_is_fine", .funcs = FUNCS(R("f2")) },
		{ }
	};
	struct klpx_object twice[] = {
		{ .name = "m", .funcs = FUNCS(F("f0")) },
		{ .name = "m-x", .funcs = FUNCS(R("f1")) },
		{ .name = "m", .funcs = FUNCS(R("f2")) },
		{ }
	};
	struct klpx_object type_twice[] = {
		{ .name = "m-x", .funcs = FUNCS(F("f0")),
		  .shadow_types = TYPES(&type_c) },
		{ .funcs = FUNCS(R("f1")), .shadow_types = TYPES(&type_c) },
		{ }
	};
	struct klpx_object names[] = {
		{ .funcs = FUNCS(R("f0"), F("f1")) },
		{ .name = "m-x", .funcs = FUNCS(R("f2")) },
		{ }
	};
	struct klpx_object no_new[] = {
		{ .funcs = FUNCS(R("f0"), F("f1"), F("f2")) },
		{ .name = "m-x", .funcs = FUNCS(R("f3")) },
		{ }
	};
	struct klpx_object bad[] = {
		{ .name = "", .funcs = FUNCS(R("f0")) },
		{ .name = too_long, .funcs = FUNCS(R("f0")) },
		{ .name = "vmlinux", .funcs = FUNCS(R("f0")) },
		{ .name = "enabled", .funcs = FUNCS(R("f0")) },
		{ .name = "replace", .funcs = FUNCS(R("f0")) },
		{ .name = "transition", .funcs = FUNCS(R("f0")) },
	};
	static const enum klpx_plan_fault bad_fault[] = {
		KLPX_FAULT_NAME_LENGTH, KLPX_FAULT_NAME_LENGTH,
		KLPX_FAULT_NAME_VMLINUX, KLPX_FAULT_NAME_FILE,
		KLPX_FAULT_NAME_FILE, KLPX_FAULT_NAME_FILE,
	};
	struct klpx_plan_check found;
	unsigned int i;

	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	reset_stacks();

	CHECK(first_fault(fine, &found) == KLPX_FAULT_NONE);
	CHECK(found.fault == KLPX_FAULT_NONE && !found.obj);
	/* An object named twice comes before every other fault... */
	CHECK(first_fault(twice, &found) == KLPX_FAULT_OBJECT_TWICE);
	CHECK(found.obj == &twice[2]);
	/* ...then a type struct listed twice... */
	CHECK(first_fault(type_twice, &found) == KLPX_FAULT_TYPE_TWICE);
	CHECK(found.type == &type_c && found.other == &type_twice[0] &&
	      found.obj == &type_twice[1]);
	/* ...then object by object: its name, then its functions. */
	CHECK(first_fault(names, &found) == KLPX_FAULT_NO_REPLACEMENT);
	CHECK(found.obj == &names[0] && found.func == &names[0].funcs[1]);
	names[0].funcs[1].new_func = (void *)1;
	CHECK(first_fault(names, &found) == KLPX_FAULT_NAME_DASH);
	CHECK(found.obj == &names[1] && !found.func);
	CHECK(first_fault(no_new, &found) == KLPX_FAULT_NO_REPLACEMENT);
	CHECK(found.func == &no_new[0].funcs[1]);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct klpx_object one[] = { bad[i], { } };

		CHECK(first_fault(one, &found) == bad_fault[i]);
		CHECK(found.obj == &one[0]);
	}
}

void test_replace_drops_only_ids_the_new_patch_does_not_carry(void)
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

void test_an_id_is_dropped_by_its_last_leaving_registration(void)
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

void test_disable_keeps_ids_another_enabled_patch_holds(void)
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

void test_going_object_drops_ids_no_other_object_holds(void)
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
void test_restore_puts_the_replaced_stacks_back_in_order(void)
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
void test_a_pending_replace_is_concerned_only_by_its_modules(void)
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

void test_allocation_failures_leave_nothing_allocated(void)
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
