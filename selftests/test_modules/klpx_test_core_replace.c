// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_replace - an atomic replace: klpx_target_version()
 * returns 4, klpx_target_greeting() is not patched (so it reverts), and the
 * shadow type stack_state is not carried (so it is garbage-collected).
 */
#define STACK_VERSION 4
#define STACK_REPLACE
#define STACK_NO_TYPE
#include "klpx_test_core_stack.h"

MODULE_DESCRIPTION("klpx test: atomic replace of the stacked patches");
