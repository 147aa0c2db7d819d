// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_demo_v1 - the fix: deposits take a shadow lock of their account.
 */
#define DEMO_VERSION 1
#define DEMO_CODE "live patch v1 (with a shadow lock)"
#include "klpx_demo_patch.h"

MODULE_DESCRIPTION("klpx demo: cumulative patch v1, a shadow lock per account");
