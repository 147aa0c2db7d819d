// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - defines the core's tracepoints (core/trace.h).
 */
#include <linux/string.h>

#define CREATE_TRACE_POINTS
#include "trace.h"
