// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_states_v3 - cumulative patch v3: would lower states_guard
 * to version 1: refused.
 */
#define STATES_VERSION 3
#define STATES_GUARD_VERSION 1
#include "klpx_test_core_states.h"

MODULE_DESCRIPTION("klpx test: states, cumulative patch v3");
