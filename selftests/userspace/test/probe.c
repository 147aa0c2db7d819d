// SPDX-License-Identifier: GPL-2.0
/* Probe ctor and dtors, the gate ctor, registrations by id; see probe.h. */
#include <sched.h>
#include <string.h>

#include <shim.h>

#include "probe.h"
#include "shadow.h"

struct probe probe;

int probe_ctor(void *obj, void *data, void *ctor_data)
{
	struct probe_data *pd = data;
	size_t i;

	probe.ctor_calls++;
	probe.last_obj = obj;
	probe.last_data = data;
	probe.last_ctor_data = ctor_data;
	for (i = 0; i < probe.size; i++)
		if (((unsigned char *)data)[i])
			probe.ctor_dirty = true;
	if (!shim_in_atomic())
		probe.ctor_not_atomic = true;
	if (probe.ctor_type && klpx_shadow_get(obj, probe.ctor_type))
		probe.ctor_saw_visible = true;
	if (probe.ctor_ret)
		return probe.ctor_ret;
	if (probe.size >= sizeof(*pd)) {
		pd->magic = PROBE_LIVE;
		pd->obj = obj;
		pd->serial = probe.ctor_calls;
	}
	return 0;
}

static void probe_dtor(int which, void *obj, void *data)
{
	struct probe_data *pd = data;

	probe.dtor_calls[which]++;
	probe.last_dtor_obj = obj;
	probe.last_dtor_data = data;
	if (probe.size >= sizeof(*pd)) {
		if (pd->magic != PROBE_LIVE || pd->obj != obj)
			probe.dtor_bad++;
		pd->magic = PROBE_DEAD;
	}
}

void probe_dtor_a(void *obj, void *data)
{
	probe_dtor(0, obj, data);
}

void probe_dtor_b(void *obj, void *data)
{
	probe_dtor(1, obj, data);
}

struct refs_query {
	unsigned long id;
	unsigned long refs;
};

static void refs_of(const struct klpx_shadow_stat *st, void *arg)
{
	struct refs_query *q = arg;

	if (st->id == q->id)
		q->refs = st->refs;
}

unsigned long shadow_refs_of(unsigned long id)
{
	struct refs_query q = { .id = id };

	klpx_shadow_walk_classes(refs_of, &q);
	return q.refs;
}

struct probe_gate probe_gate;

void probe_gate_close(void *obj)
{
	__atomic_store_n(&probe_gate.inside, false, __ATOMIC_SEQ_CST);
	__atomic_store_n(&probe_gate.release, false, __ATOMIC_SEQ_CST);
	probe_gate.obj = obj;
}

int probe_gate_ctor(void *obj, void *data, void *ctor_data)
{
	__atomic_store_n(&probe_gate.inside, true, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&probe_gate.release, __ATOMIC_SEQ_CST))
		sched_yield();
	return 0;
}

void *probe_gate_alloc_fn(void *type)
{
	return klpx_shadow_alloc(probe_gate.obj, type, GFP_KERNEL, NULL);
}
