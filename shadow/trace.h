/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow library's tracepoints, in the trace system "klpx" (core/
 * adds its own to the same system).  Registration and garbage collection
 * only: lookups and allocations stay free of them.
 *
 * Defined by registry.c (CREATE_TRACE_POINTS); TRACE_INCLUDE_PATH is
 * relative to klpx's source root, which the kbuild files put on the
 * include path.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM klpx

#if !defined(_KLPX_SHADOW_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KLPX_SHADOW_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

/*
 * Names are copied as dynamic arrays rather than with __string(), whose
 * __assign_str() changed its arguments in 6.10.
 */

DECLARE_EVENT_CLASS(klpx_shadow_registration,
	TP_PROTO(unsigned long id, const char *name, unsigned int refs),
	TP_ARGS(id, name, refs),
	TP_STRUCT__entry(
		__field(unsigned long, id)
		__dynamic_array(char, name, strlen(name) + 1)
		__field(unsigned int, refs)
	),
	TP_fast_assign(
		__entry->id = id;
		memcpy(__get_dynamic_array(name), name, strlen(name) + 1);
		__entry->refs = refs;
	),
	TP_printk("id=0x%lx name=%s refs=%u",
		  __entry->id, __get_str(name), __entry->refs)
);

/* A registration was taken; @refs counts those of the id now. */
DEFINE_EVENT(klpx_shadow_registration, klpx_shadow_register,
	TP_PROTO(unsigned long id, const char *name, unsigned int refs),
	TP_ARGS(id, name, refs)
);

/* A registration was dropped; refs=0 means the id is garbage-collected. */
DEFINE_EVENT(klpx_shadow_registration, klpx_shadow_unregister,
	TP_PROTO(unsigned long id, const char *name, unsigned int refs),
	TP_ARGS(id, name, refs)
);

/*
 * An id was garbage-collected: @destroyed variables went (through the
 * dtor, when there was one) in @ns nanoseconds, counted from the start of
 * the collection, waits for readers included.
 */
TRACE_EVENT(klpx_shadow_gc,
	TP_PROTO(unsigned long id, const char *name, unsigned long destroyed,
		 u64 ns),
	TP_ARGS(id, name, destroyed, ns),
	TP_STRUCT__entry(
		__field(unsigned long, id)
		__dynamic_array(char, name, strlen(name) + 1)
		__field(unsigned long, destroyed)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->id = id;
		memcpy(__get_dynamic_array(name), name, strlen(name) + 1);
		__entry->destroyed = destroyed;
		__entry->ns = ns;
	),
	TP_printk("id=0x%lx name=%s destroyed=%lu ns=%llu",
		  __entry->id, __get_str(name), __entry->destroyed,
		  (unsigned long long)__entry->ns)
);

#endif /* _KLPX_SHADOW_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH shadow
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
