// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_state_v3 - cumulative patch v3: drops the shadow lock (a
 * downgrade), keeps the counter.
 */
#define STATE_VERSION 3
#define STATE_NO_LOCK
#include "klpx_test_core_state.h"

MODULE_DESCRIPTION("klpx test: cumulative patch v3 with shadow state");
