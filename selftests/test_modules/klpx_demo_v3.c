// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_demo_v3 - a downgrade: the lock is withdrawn, the refusal of
 * negative deposits stays.
 */
#define DEMO_VERSION 3
#define DEMO_CODE "live patch v3 (no lock; no negative amounts)"
#define DEMO_NO_LOCK
#define DEMO_REFUSE_NEGATIVE
#include "klpx_demo_patch.h"

MODULE_DESCRIPTION("klpx demo: cumulative patch v3, drops the shadow lock");
