// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_states_v1 - cumulative patch v1: registers states_guard
 * at version 1 and attaches a variable to each item.
 */
#define STATES_VERSION 1
#define STATES_GUARD_VERSION 1
#include "klpx_test_core_states.h"

MODULE_DESCRIPTION("klpx test: states, cumulative patch v1");
