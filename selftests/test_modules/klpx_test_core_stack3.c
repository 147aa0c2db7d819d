// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_stack3 - a non-replace patch: klpx_target_version()
 * returns 3.
 */
#define STACK_VERSION 3

#include "klpx_test_core_stack.h"

MODULE_DESCRIPTION("klpx test: stacked patch 3");
