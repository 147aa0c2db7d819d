/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels klpx builds for (Debian bookworm's
 * 6.1 and 6.12, each also PREEMPT_RT), in one place: the rest of core/
 * reads as if there were one kernel.  Test a feature where the kernel
 * offers one (a macro, a config symbol); fall back to LINUX_VERSION_CODE,
 * naming the release that changed.
 *
 * What a kernel outside that range needs is listed in
 * Documentation/kernels.rst.
 */
#ifndef _KLPX_CORE_COMPAT_H
#define _KLPX_CORE_COMPAT_H

#include <linux/ftrace.h>
#include <linux/sched.h>
#include <linux/version.h>

/*
 * The first frame of every new task: ret_from_fork until 6.4, from 6.5 on
 * ret_from_fork_asm (ret_from_fork became the C function it calls).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define KLPX_HAVE_RET_FROM_FORK_ASM
#endif

/*
 * Tasks that run task_work inside the kernel, not only on their way back
 * to user mode: io_uring's io-wq workers and SQPOLL threads
 * (PF_IO_WORKER), and from 6.4 on every user worker, vhost's among them
 * (PF_USER_WORKER).  A switch never moves them.
 */
#ifdef PF_USER_WORKER
#define KLPX_PF_WORKERS		(PF_IO_WORKER | PF_USER_WORKER)
#else
#define KLPX_PF_WORKERS		PF_IO_WORKER
#endif

/*
 * Where a traced function goes on, set through its ftrace_regs: 6.1
 * calls it ftrace_instruction_pointer_set(), later releases (6.12 among
 * them) ftrace_regs_set_instruction_pointer().  Both are macros on x86.
 */
#ifdef ftrace_regs_set_instruction_pointer
#define klpx_ftrace_regs_set_ip(fregs, ip) \
	ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define klpx_ftrace_regs_set_ip(fregs, ip) \
	ftrace_instruction_pointer_set(fregs, ip)
#endif

/*
 * Direct calls from fentry sites, one target for every address of an
 * ops: register_ftrace_direct_multi() in 6.1, renamed
 * register_ftrace_direct() in 6.6 (6.12), whose unregistration also frees
 * the ops's filter when asked to.  A kernel without
 * DYNAMIC_FTRACE_WITH_DIRECT_CALLS has only the ops path.
 *
 * ftrace waits for RCU-tasks each time it unregisters a direct ops (it is
 * DYNAMIC, being allocated), and klpx cannot wait once for several: what
 * ftrace does right after that wait needs it.  6.1's unregistration
 * frees the ops's entries of the table that call_direct_funcs() reads
 * without a lock, and 6.6's and later ones clear ops->func and free the
 * ops's filter, which a CPU still inside ftrace's list function (a site
 * shared with a tracer or a kprobe) may be reading.  (The API's rename
 * below came in 6.6: one version test serves both.)
 */
#ifdef CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS
#define KLPX_HAVE_DIRECT	1
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
static inline int klpx_register_direct(struct ftrace_ops *ops,
				       unsigned long addr)
{
	return register_ftrace_direct(ops, addr);
}

static inline int klpx_unregister_direct(struct ftrace_ops *ops,
					 unsigned long addr)
{
	return unregister_ftrace_direct(ops, addr, true);
}
#else
static inline int klpx_register_direct(struct ftrace_ops *ops,
				       unsigned long addr)
{
	return register_ftrace_direct_multi(ops, addr);
}

static inline int klpx_unregister_direct(struct ftrace_ops *ops,
					 unsigned long addr)
{
	int ret = unregister_ftrace_direct_multi(ops, addr);

	if (!ret)
		ftrace_free_filter(ops);
	return ret;
}
#endif
#else
#define KLPX_HAVE_DIRECT	0
static inline int klpx_register_direct(struct ftrace_ops *ops,
				       unsigned long addr)
{
	return -EOPNOTSUPP;
}

static inline int klpx_unregister_direct(struct ftrace_ops *ops,
					 unsigned long addr)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* _KLPX_CORE_COMPAT_H */
