// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_demo_v2 - v1's lock, handed over, plus a refusal of negative
 * deposits.
 */
#define DEMO_VERSION 2
#define DEMO_CODE "live patch v2 (with a shadow lock; no negative amounts)"
#define DEMO_REFUSE_NEGATIVE
#include "klpx_demo_patch.h"

MODULE_DESCRIPTION("klpx demo: cumulative patch v2, takes v1's state over");
