// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_state_v4 - cumulative patch v4: brings the shadow lock
 * back.
 */
#define STATE_VERSION 4
#include "klpx_test_core_state.h"

MODULE_DESCRIPTION("klpx test: cumulative patch v4 with shadow state");
