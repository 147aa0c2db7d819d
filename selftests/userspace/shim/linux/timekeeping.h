/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/timekeeping.h>: the monotonic clock. */
#ifndef _SHIM_LINUX_TIMEKEEPING_H
#define _SHIM_LINUX_TIMEKEEPING_H

#include <stdint.h>
#include <time.h>

static inline uint64_t ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#endif /* _SHIM_LINUX_TIMEKEEPING_H */
