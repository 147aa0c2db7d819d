/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to ran.c and switch.c: the tasks that may have run since the
 * pre-check looked.
 */
#ifndef _KLPX_CORE_RAN_H
#define _KLPX_CORE_RAN_H

#include <linux/types.h>

struct task_struct;

int klpx_ran_arm(void);
void klpx_ran_reset(void);
void klpx_ran_note_running(struct task_struct *t);
int klpx_ran_for_each(bool (*fn)(struct task_struct *t, void *arg), void *arg);
void klpx_ran_disarm(void);

#endif /* _KLPX_CORE_RAN_H */
