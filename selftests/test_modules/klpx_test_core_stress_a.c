// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_core_stress_a - one of the two alternating stress patches.
 */
#include "klpx_test_core_stress.h"

MODULE_DESCRIPTION("klpx test: stress patch a");
