// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_stack2 - a non-replace patch: klpx_target_version()
 * returns 2, and klpx_target_greeting() greets from here.
 */
#define STACK_VERSION 2
#define STACK_GREETING
#include "klpx_test_core_stack.h"

MODULE_DESCRIPTION("klpx test: stacked patch 2");
