// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_states_v2 - cumulative patch v2: carries states_guard
 * over at version 2.
 */
#define STATES_VERSION 2
#define STATES_GUARD_VERSION 2
#include "klpx_test_core_states.h"

MODULE_DESCRIPTION("klpx test: states, cumulative patch v2");
