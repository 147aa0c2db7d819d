/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plan_test.h - what the cases of plan_test share: the checks, the
 * made-up addresses and stacks, patches built as klpx_enable_patch()
 * leaves them, and the cases the driver (plan_test.c) runs.
 */
#ifndef _KLPX_PLAN_TEST_H
#define _KLPX_PLAN_TEST_H

#include "../../core/plan.h"

#define CHECK(cond) check(!!(cond), #cond, __LINE__)
void check(int ok, const char *what, int line);

/* Five addresses, each a stack, as the redirection layer would own. */
#define NR_ADDRS 5
extern struct klpx_func_stack stacks[NR_ADDRS];

#define OLD_SIZE 0x100UL
#define NEW_SIZE 0x80UL

unsigned long old_addr(int a);
void reset_stacks(void);
void init_patch(struct klpx_patch *patch);
void prepare_patch(struct klpx_patch *patch);
int enable(struct klpx_patch *patch, struct list_head *enabled,
	   struct list_head *replaced);
void disable(struct klpx_patch *patch);
struct klpx_func *top(int a);

#define FUNCS(...) ((struct klpx_func[]){ __VA_ARGS__, { } })
#define F(n) { .old_name = n }

/* plan_switch_test.c: stacks, replaces, objects, ranges */
void test_stack_newest_runs_and_disable_brings_back_lower(void);
void test_disable_middle_patch_keeps_top(void);
void test_replace_reverts_what_only_replaced_patches_patched(void);
void test_replace_with_no_objects_reverts_everything(void);
void test_objects_not_loaded_are_not_pushed(void);
void test_replace_pops_nothing_of_an_unloaded_object(void);
void test_module_object_comes_goes_and_comes_back(void);
void test_ranges_cover_every_implementation_of_touched_addresses(void);
void test_ranges_list_each_stack_once(void);
void test_hit_finds_each_of_many_ranges_and_no_gap(void);

/* plan_release_test.c: duplicates, shadow types, restores, failures */
void test_duplicates_are_found(void);
void test_a_type_struct_listed_twice_is_found(void);
void test_author_faults_are_found_in_order(void);
void test_replace_drops_only_ids_the_new_patch_does_not_carry(void);
void test_an_id_is_dropped_by_its_last_leaving_registration(void);
void test_disable_keeps_ids_another_enabled_patch_holds(void);
void test_going_object_drops_ids_no_other_object_holds(void);
void test_restore_puts_the_replaced_stacks_back_in_order(void);
void test_a_pending_replace_is_concerned_only_by_its_modules(void);
void test_allocation_failures_leave_nothing_allocated(void);

#endif /* _KLPX_PLAN_TEST_H */
