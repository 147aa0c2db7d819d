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

/* registrations of @id as the registry reports them (0: not registered) */
unsigned long shadow_refs_of(unsigned long id);

/**
 * struct probe_gate - a ctor that holds its id's lock until the test opens
 * @inside:	the ctor runs (the id's lock is held)
 * @release:	the test lets the ctor return
 * @obj:	the object probe_gate_alloc_fn() creates a variable for
 *
 * probe_gate_close() makes it ready; a thread runs probe_gate_alloc_fn()
 * with a type whose ctor is probe_gate_ctor(); the test waits for @inside
 * and later sets @release.
 */
struct probe_gate {
	bool inside;
	bool release;
	void *obj;
};

extern struct probe_gate probe_gate;

void probe_gate_close(void *obj);
int probe_gate_ctor(void *obj, void *data, void *ctor_data);
void *probe_gate_alloc_fn(void *type);

#endif /* _KLPX_TEST_PROBE_H */
