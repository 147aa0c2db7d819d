/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What klpx_target_stress_call() and every version of it do between
 * reading their version and calling the leaf: the window in which a
 * switch would mix versions.
 */
#ifndef _KLPX_TARGET_STRESS_H
#define _KLPX_TARGET_STRESS_H

#include <linux/delay.h>
#include <linux/sched.h>

/* A sleeper's time inside the call; it spends four to eight times more outside. */
#define KLPX_STRESS_SLEEP_US 100

static inline void klpx_target_stress_wait(bool sleep)
{
	if (sleep)
		usleep_range(KLPX_STRESS_SLEEP_US, 2 * KLPX_STRESS_SLEEP_US);
	else
		cond_resched();
}

#endif /* _KLPX_TARGET_STRESS_H */
