// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_demo_v4 - the lock comes back, and starts clean.
 */
#define DEMO_VERSION 4
#define DEMO_CODE "live patch v4 (with a shadow lock; no negative amounts)"
#define DEMO_REFUSE_NEGATIVE
#include "klpx_demo_patch.h"

MODULE_DESCRIPTION("klpx demo: cumulative patch v4, brings the shadow lock back");
