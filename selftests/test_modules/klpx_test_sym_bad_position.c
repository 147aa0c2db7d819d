// SPDX-License-Identifier: GPL-2.0
/* klpx_test_sym_bad_position - see klpx_test_sym.h */
#define SYM_BAD_POSITION
#include "klpx_test_sym.h"
