// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_shadow_peer - the same shadow type as klpx_test_shadow, in a
 * module of its own: the next version of a cumulative patch carrying it.
 */
#include "klpx_test_shadow.h"

MODULE_DESCRIPTION("klpx test: a second module declaring the same shadow id");
