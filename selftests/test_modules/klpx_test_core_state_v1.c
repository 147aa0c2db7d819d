// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_state_v1 - cumulative patch v1: attaches a shadow lock to
 * each item and counts reads in a global shadow.
 */
#define STATE_VERSION 1
#include "klpx_test_core_state.h"

MODULE_DESCRIPTION("klpx test: cumulative patch v1 with shadow state");
