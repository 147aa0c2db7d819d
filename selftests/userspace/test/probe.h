/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadow types whose ctor and dtor record what klpx does with them.
 *
 * The data of a probed variable starts with a struct probe_data (when the
 * type is large enough): the ctor stamps it, the dtor checks and poisons
 * it, so a variable destroyed twice, or given to the wrong dtor, shows.
 */
#ifndef _KLPX_TEST_PROBE_H
#define _KLPX_TEST_PROBE_H

#include <linux/klpx.h>

#define PROBE_LIVE	0x11fe11fe11fe11feUL
#define PROBE_DEAD	0xdeaddeaddeaddeadUL

struct probe_data {
	unsigned long magic;
	void *obj;
	unsigned long serial;
};

/**
 * struct probe - what the probe ctor and dtors saw
 * @ctor_calls:	ctor invocations
 * @ctor_ret:	what the ctor returns (0: keep the variable)
 * @ctor_dirty: the ctor found data that was not zeroed
 * @ctor_not_atomic: the ctor ran where sleeping is allowed
 * @ctor_saw_visible: the ctor found its variable already visible to get
 * @ctor_type:	if set, the ctor looks its own object up with this type
 * @dtor_calls: calls of probe_dtor_a and probe_dtor_b
 * @dtor_bad:	a dtor found data it did not expect (not live, wrong object)
 * @size:	bytes of data the ctor checks are zeroed
 * @last_obj, @last_data, @last_ctor_data: arguments of the last ctor call
 * @last_dtor_obj, @last_dtor_data: arguments of the last dtor call
 */
struct probe {
	unsigned long ctor_calls;
	int ctor_ret;
	bool ctor_dirty;
	bool ctor_not_atomic;
	bool ctor_saw_visible;
	struct klpx_shadow_type *ctor_type;
	unsigned long dtor_calls[2];
	unsigned long dtor_bad;
	size_t size;
	void *last_obj, *last_data, *last_ctor_data;
	void *last_dtor_obj, *last_dtor_data;
};

extern struct probe probe;

int probe_ctor(void *obj, void *data, void *ctor_data);
void probe_dtor_a(void *obj, void *data);
void probe_dtor_b(void *obj, void *data);

/* a probed type: stamps data of at least sizeof(struct probe_data) */
#define PROBE_TYPE(_id, _name, _size) {					\
	.id = (_id), .name = (_name), .size = (_size),			\
	.ctor = probe_ctor, .dtor = probe_dtor_a,			\
}

#endif /* _KLPX_TEST_PROBE_H */
