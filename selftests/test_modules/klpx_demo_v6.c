// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_demo_v6 - v5 without the hardening: replacing v5, it has v5's
 * release put kernel.kptr_restrict back.
 */
#define DEMO_VERSION 6
#define DEMO_CODE "live patch v6 (with a shadow lock; no negative amounts)"
#define DEMO_REFUSE_NEGATIVE
#include "klpx_demo_patch.h"

MODULE_DESCRIPTION("klpx demo: cumulative patch v6, drops the kptr_restrict state");
