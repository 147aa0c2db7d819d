// SPDX-License-Identifier: GPL-2.0
/*
 * stacks.c - a task's kernel stack, walked reliably to its real end.
 *
 * The kernel's reliable unwinder (ORC on x86) ends a walk with success at
 * user-mode registers and at any "end of stack" hint.  Not every such hint
 * marks the end of a stack: on 6.1 the first instruction of each retpoline
 * thunk carries one, so do the ITS thunks and return_to_handler (the
 * function_graph tracer's return trampoline).  A task stopped there gets a
 * trace without the frames below, which may well be changed code.
 *
 * So a trace counts here only when it ends where the task's kernel stack
 * really ends:
 *
 *  - at the user-mode registers at the top of its stack (task_pt_regs()),
 *    for a task that entered the kernel from user mode;
 *  - in the first frame of a task that has not been to user mode (a
 *    kthread, an io_uring or other user worker, a task never run yet):
 *    ret_from_fork, or ret_from_fork_asm from 6.5 on;
 *  - for an idle task, wherever the unwinder ends without error (see
 *    klpx_stack_walk()).
 *
 * A trace that stops anywhere else is not reliable, whatever hint stopped
 * it, on any kernel.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <asm/ptrace.h>
#include <asm/unwind.h>
#include "compat.h"
#include "core.h"
#include "stacks.h"

#ifndef CONFIG_UNWINDER_ORC
#error "klpx walks stacks with the ORC unwinder: this kernel has another"
#endif

#ifdef KLPX_HAVE_RET_FROM_FORK_ASM
#define KLPX_FIRST_FRAME	"ret_from_fork_asm"
#else
#define KLPX_FIRST_FRAME	"ret_from_fork"
#endif

/*
 * Where the first frame's code lies, found by name once (its address is
 * only compared with, never called: kallsyms.c); written by the klpx_mutex
 * holder before any walk of its switch.
 */
static unsigned long klpx_fork_start, klpx_fork_end;

/**
 * klpx_stacks_prepare() - find the first frame of every task, once
 *
 * Context: klpx_mutex held; process context.
 * Return: 0, or -ENOENT (logged) when it cannot be found: then every
 * kthread's stack counts as not walked, and no checked switch happens.
 */
int klpx_stacks_prepare(void)
{
	struct klpx_symbol_query q = { .name = KLPX_FIRST_FRAME };

	if (klpx_fork_end)
		return 0;
	klpx_symbol_lookup(NULL, &q);
	if (q.addr)
		klpx_fork_end = klpx_symbol_end(q.addr);
	if (!klpx_fork_end) {
		pr_err("cannot find %s: no stack can be walked to its end\n",
		       KLPX_FIRST_FRAME);
		return -ENOENT;
	}
	klpx_fork_start = q.addr;
	return 0;
}

static bool klpx_stack_first_frame(unsigned long addr)
{
	return addr >= klpx_fork_start && addr < klpx_fork_end;
}

/**
 * klpx_stack_walk() - the return addresses on a task's kernel stack
 * @t:		a task that cannot run meanwhile (pinned by task_call_func(),
 *		or every CPU held by stop_machine())
 * @entries:	receives them, innermost first
 * @size:	room in @entries
 *
 * Context: any; does not sleep.
 * Return: the number of entries, when the walk reached the real end of
 * the stack (0 for a dead task, whose stack is gone); -EINVAL when the
 * unwinder could not vouch for a frame or stopped short of that end;
 * -E2BIG when @entries is too small.
 */
int klpx_stack_walk(struct task_struct *t, unsigned long *entries,
		    unsigned int size)
{
	struct unwind_state state;
	struct pt_regs *regs;
	unsigned long addr;
	unsigned int nr = 0;

	/* It will never run again; its stack may be freed already. */
	if (READ_ONCE(t->__state) == TASK_DEAD)
		return 0;
	for (unwind_start(&state, t, NULL, NULL);
	     !unwind_done(&state) && !unwind_error(&state);
	     unwind_next_frame(&state)) {
		regs = unwind_get_entry_regs(&state, NULL);
		if (regs && user_mode(regs))
			return regs == task_pt_regs(t) ? nr : -EINVAL;
		addr = unwind_get_return_address(&state);
		if (!addr)
			return -EINVAL;
		if (nr == size)
			return -E2BIG;
		entries[nr++] = addr;
	}
	if (unwind_error(&state) || !nr)
		return -EINVAL;
	/*
	 * An idle task began in the boot code, not in ret_from_fork.  It
	 * leaves the CPU only by calling schedule_idle(), never preempted
	 * where a hint could stop the walk short, so its end is its end.
	 */
	if (!is_idle_task(t) && !klpx_stack_first_frame(entries[nr - 1]))
		return -EINVAL;
	return nr;
}
