// SPDX-License-Identifier: GPL-2.0
/* Probe ctor and dtors; see probe.h. */
#include <string.h>

#include <shim.h>

#include "probe.h"

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
