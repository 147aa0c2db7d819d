// SPDX-License-Identifier: GPL-2.0
/* klpx_test_sym - see klpx_test_sym.h */
#include "klpx_test_sym.h"
