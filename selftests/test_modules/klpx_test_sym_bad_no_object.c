// SPDX-License-Identifier: GPL-2.0
/* klpx_test_sym_bad_no_object - see klpx_test_sym.h */
#define SYM_BAD_NO_OBJECT
#include "klpx_test_sym.h"
