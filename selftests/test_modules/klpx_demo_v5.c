// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_demo_v5 - v4 plus a state: kernel.kptr_restrict raised to 1 while
 * the hardening is in.
 */
#define DEMO_VERSION 5
#define DEMO_CODE "live patch v5 (with a shadow lock; no negative amounts; kptr_restrict raised)"
#define DEMO_REFUSE_NEGATIVE
#define DEMO_KPTR_GUARD
#include "klpx_demo_patch.h"

MODULE_DESCRIPTION("klpx demo: cumulative patch v5, raises kernel.kptr_restrict");
