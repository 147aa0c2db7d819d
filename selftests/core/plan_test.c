// SPDX-License-Identifier: GPL-2.0
/*
 * plan_test.c - the pure decisions of the core (core/plan*.c), in userspace.
 *
 * Patches are built here the way klpx_enable_patch() leaves them: objects
 * loaded or not, functions resolved to made-up addresses and given a
 * redirection stack, shadow types counted as registered.  Each case runs
 * the planner, applies the switch to the stacks, and checks what runs
 * afterwards at every address, which code the activeness check looks for,
 * and which shadow ids a release drops.
 *
 * The cases are in plan_switch_test.c and plan_release_test.c.
 *
 * Output is TAP; "plan_test RESULT" also writes "<passed> <failed> 0".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include "plan_test.h"

static int passed, failed;
static int case_failed;
static const char *case_name;

void check(int ok, const char *what, int line)
{
	if (ok)
		return;
	if (!case_failed)
		printf("# %s:\n", case_name);
	printf("#   line %d: %s\n", line, what);
	case_failed = 1;
}

/* ---- building patches ---------------------------------------------- */

struct klpx_func_stack stacks[NR_ADDRS];

unsigned long old_addr(int a)
{
	return 0x10000UL + 0x1000UL * a;
}

/* Replacement code: a distinct made-up range per function. */
static unsigned long next_new = 0x900000UL;

void reset_stacks(void)
{
	int a;

	for (a = 0; a < NR_ADDRS; a++) {
		stacks[a].ip = old_addr(a);
		INIT_LIST_HEAD(&stacks[a].funcs);
	}
}

/* Reset the internals of a patch as klpx_patch_init() does. */
void init_patch(struct klpx_patch *patch)
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
void prepare_patch(struct klpx_patch *patch)
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
int enable(struct klpx_patch *patch, struct list_head *enabled,
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

void disable(struct klpx_patch *patch)
{
	struct klpx_switch sw;

	CHECK(klpx_plan_disable(&sw, patch, true) == 0);
	klpx_switch_apply(&sw);
	klpx_plan_free(&sw);
	list_del_init(&patch->list);
	patch->enabled = false;
}

struct klpx_func *top(int a)
{
	return klpx_stack_top(&stacks[a]);
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
	CASE(test_author_faults_are_found_in_order),
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
