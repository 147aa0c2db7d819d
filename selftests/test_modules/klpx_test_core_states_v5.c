// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_states_v5 - cumulative patch v5: adds states_extra and
 * states_broken, whose setup fails: refused.
 */
#define STATES_VERSION 5
#define STATES_BROKEN
#include "klpx_test_core_states.h"

MODULE_DESCRIPTION("klpx test: states, cumulative patch v5");
