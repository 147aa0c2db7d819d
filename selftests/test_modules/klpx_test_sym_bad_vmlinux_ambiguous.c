// SPDX-License-Identifier: GPL-2.0
/* klpx_test_sym_bad_vmlinux_ambiguous - see klpx_test_sym.h */
#define SYM_BAD_VMLINUX_AMBIGUOUS
#include "klpx_test_sym.h"
