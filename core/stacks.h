/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to stacks.c and switch.c: a task's stack, walked to its real
 * end or not at all.
 */
#ifndef _KLPX_CORE_STACKS_H
#define _KLPX_CORE_STACKS_H

struct task_struct;

int klpx_stacks_prepare(void);
int klpx_stack_walk(struct task_struct *t, unsigned long *entries,
		    unsigned int size);

#endif /* _KLPX_CORE_STACKS_H */
