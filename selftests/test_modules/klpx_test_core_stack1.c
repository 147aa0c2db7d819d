// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_stack1 - a non-replace patch: klpx_target_version()
 * returns 1.
 */
#define STACK_VERSION 1

#include "klpx_test_core_stack.h"

MODULE_DESCRIPTION("klpx test: stacked patch 1");
