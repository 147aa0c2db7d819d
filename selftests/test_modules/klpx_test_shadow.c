// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_shadow - a module with one shadow type, driven through
 * /sys/kernel/debug/klpx_test_shadow/ctl (commands in klpx_test_shadow.h).
 */
#include "klpx_test_shadow.h"

MODULE_DESCRIPTION("klpx test: shadow variables driven from debugfs");
