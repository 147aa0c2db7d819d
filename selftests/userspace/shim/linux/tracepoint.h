/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/tracepoint.h>: every event is off, so
 * trace_<event>() does nothing and trace_<event>_enabled() is false, as
 * in a kernel where nobody enabled the event.
 */
#ifndef _SHIM_LINUX_TRACEPOINT_H
#define _SHIM_LINUX_TRACEPOINT_H

#include <stdbool.h>

#define TP_PROTO(args...)	args
#define TP_ARGS(args...)	args

/* The prototype arrives expanded, commas and all: hence the "...". */
#define __SHIM_TRACE_STUBS(event, ...)					\
	static inline void trace_##event(__VA_ARGS__) { }		\
	static inline bool trace_##event##_enabled(void) { return false; }

#define TRACE_EVENT(name, proto, args, tstruct, assign, print)		\
	__SHIM_TRACE_STUBS(name, proto)
#define DECLARE_EVENT_CLASS(name, proto, args, tstruct, assign, print)
#define DEFINE_EVENT(template, name, proto, args)			\
	__SHIM_TRACE_STUBS(name, proto)

#endif /* _SHIM_LINUX_TRACEPOINT_H */
