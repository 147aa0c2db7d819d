/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core's tracepoints, in the trace system "klpx" next to the shadow
 * library's (shadow/trace.h): a patch enabled or disabled, and each
 * switch with what it cost.  None is on a path that redirected code takes.
 *
 * Defined by trace.c (CREATE_TRACE_POINTS); TRACE_INCLUDE_PATH is
 * relative to klpx's source root, which Kbuild puts on the include path.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM klpx

#if !defined(_KLPX_CORE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KLPX_CORE_TRACE_H

#include <linux/module.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>

/*
 * Names are copied into fixed arrays: a module name is at most
 * MODULE_NAME_LEN, a task's TASK_COMM_LEN, and __assign_str() changed
 * its arguments in 6.10.
 */

/* klpx_enable_patch() switched @patch in (ret=0) or gave up (ret<0). */
TRACE_EVENT(klpx_patch_enable,
	TP_PROTO(const char *patch, bool replace, int ret),
	TP_ARGS(patch, replace, ret),
	TP_STRUCT__entry(
		__array(char, patch, MODULE_NAME_LEN)
		__field(bool, replace)
		__field(int, ret)
	),
	TP_fast_assign(
		strscpy(__entry->patch, patch, MODULE_NAME_LEN);
		__entry->replace = replace;
		__entry->ret = ret;
	),
	TP_printk("patch=%s replace=%d ret=%d", __entry->patch,
		  __entry->replace, __entry->ret)
);

/*
 * @patch was disabled (ret=0) or stays enabled (ret<0).  check=0: its
 * code goes away whatever tasks do, so no activeness check ran.
 */
TRACE_EVENT(klpx_patch_disable,
	TP_PROTO(const char *patch, bool check, int ret),
	TP_ARGS(patch, check, ret),
	TP_STRUCT__entry(
		__array(char, patch, MODULE_NAME_LEN)
		__field(bool, check)
		__field(int, ret)
	),
	TP_fast_assign(
		strscpy(__entry->patch, patch, MODULE_NAME_LEN);
		__entry->check = check;
		__entry->ret = ret;
	),
	TP_printk("patch=%s check=%d ret=%d", __entry->patch,
		  __entry->check, __entry->ret)
);

/*
 * One switch for @patch: @tries stop_machine() runs (a task that entered
 * changed code after the pre-check costs one more), the machine stopped
 * for @stopped_ns in all, and the last task waited for (@comm and @pid,
 * pid 0 when none was), whatever the outcome @ret.
 */
TRACE_EVENT(klpx_switch,
	TP_PROTO(const char *patch, unsigned int tries, u64 stopped_ns,
		 const char *comm, pid_t pid, int ret),
	TP_ARGS(patch, tries, stopped_ns, comm, pid, ret),
	TP_STRUCT__entry(
		__array(char, patch, MODULE_NAME_LEN)
		__field(unsigned int, tries)
		__field(u64, stopped_ns)
		__array(char, comm, TASK_COMM_LEN)
		__field(pid_t, pid)
		__field(int, ret)
	),
	TP_fast_assign(
		strscpy(__entry->patch, patch, MODULE_NAME_LEN);
		__entry->tries = tries;
		__entry->stopped_ns = stopped_ns;
		strscpy(__entry->comm, pid ? comm : "-", TASK_COMM_LEN);
		__entry->pid = pid;
		__entry->ret = ret;
	),
	TP_printk("patch=%s tries=%u stopped_ns=%llu busy=%s/%d ret=%d",
		  __entry->patch, __entry->tries,
		  (unsigned long long)__entry->stopped_ns, __entry->comm,
		  __entry->pid, __entry->ret)
);

/*
 * A switch for @patch moved task @comm/@pid out of @func (the first
 * KLPX_TRACE_FUNC_LEN - 1 characters of its name).
 */
#define KLPX_TRACE_FUNC_LEN	64
TRACE_EVENT(klpx_switch_move,
	TP_PROTO(const char *patch, const char *comm, pid_t pid,
		 const char *func),
	TP_ARGS(patch, comm, pid, func),
	TP_STRUCT__entry(
		__array(char, patch, MODULE_NAME_LEN)
		__array(char, comm, TASK_COMM_LEN)
		__field(pid_t, pid)
		__array(char, func, KLPX_TRACE_FUNC_LEN)
	),
	TP_fast_assign(
		strscpy(__entry->patch, patch, MODULE_NAME_LEN);
		strscpy(__entry->comm, comm, TASK_COMM_LEN);
		__entry->pid = pid;
		strscpy(__entry->func, func, KLPX_TRACE_FUNC_LEN);
	),
	TP_printk("patch=%s task=%s/%d func=%s", __entry->patch,
		  __entry->comm, __entry->pid, __entry->func)
);

#endif /* _KLPX_CORE_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH core
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
