// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_state_v2 - cumulative patch v2: carries both shadow types
 * over from v1.
 */
#define STATE_VERSION 2
#include "klpx_test_core_state.h"

MODULE_DESCRIPTION("klpx test: cumulative patch v2 with shadow state");
