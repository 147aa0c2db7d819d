// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_shadow_klp - klpx shadow variables and the kernel's own
 * klp_shadow_*() with the same numeric id, in one module.
 */
#define KLPX_TEST_SHADOW_KLP
#include "klpx_test_shadow.h"

MODULE_DESCRIPTION("klpx test: klpx and the kernel's shadow variables side by side");
