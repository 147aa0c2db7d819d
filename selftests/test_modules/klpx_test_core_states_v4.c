// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_states_v4 - cumulative patch v4: drops states_guard.
 */
#define STATES_VERSION 4
#include "klpx_test_core_states.h"

MODULE_DESCRIPTION("klpx test: states, cumulative patch v4");
