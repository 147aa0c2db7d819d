/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to switch.c, inway.c and park.c: the tasks a switch finds in its
 * way.
 */
#ifndef _KLPX_CORE_SWITCH_H
#define _KLPX_CORE_SWITCH_H

#include <linux/sched.h>
#include "plan.h"

struct seq_file;

/**
 * struct klpx_busy - a task found inside code a switch changes
 * @comm:	its name
 * @pid:	its pid
 * @range:	index in the plan's ranges it stands in; -1 when its stack
 *		could not be walked reliably
 * @error:	what the unwinder said in that case
 * @state:	its scheduler state when it was looked at
 * @state_char:	the same as ps shows it
 * @movable:	a user task asleep interruptibly, reliably inside changed
 *		code: a task_work with TWA_SIGNAL brings it back to user
 *		mode before it runs any other kernel code
 */
struct klpx_busy {
	char comm[TASK_COMM_LEN];
	pid_t pid;
	int range;
	int error;
	unsigned int state;
	char state_char;
	bool movable;
};

/* inway.c: who is in the way of a switch */
struct klpx_inway_set *klpx_inway_main_set(void);
void klpx_inway_begin(struct klpx_inway_set *set,
		      const struct klpx_switch *sw, const char *patch);
void klpx_inway_begin_pass(struct klpx_inway_set *set);
void klpx_inway_note(struct klpx_inway_set *set, struct task_struct *t,
		     const struct klpx_busy *seen);
void klpx_inway_end_pass(struct klpx_inway_set *set);
bool klpx_inway_ready_to_move(struct klpx_inway_set *set);
int klpx_inway_show(struct seq_file *m);

/* park.c: moving them out, and releasing them */
unsigned int klpx_inway_move(struct klpx_inway_set *set);
void klpx_inway_release(struct klpx_inway_set *set);
void klpx_inway_pause(struct klpx_inway_set *set);
void klpx_inway_end(struct klpx_inway_set *set);

#endif /* _KLPX_CORE_SWITCH_H */
