// SPDX-License-Identifier: GPL-2.0
/* klpx_test_sym_bad_unknown - see klpx_test_sym.h */
#define SYM_BAD_UNKNOWN
#include "klpx_test_sym.h"
