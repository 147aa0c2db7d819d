// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the shadow API driven by sequences of operations and
 * checked, after every operation, against a model of what API.md
 * section 2 promises.
 *
 * An input is a sequence of 4-byte operations:
 *
 *   byte 0: the operation (register, unregister, get, alloc, get_or_alloc,
 *           free, free_all, count)
 *   byte 1: the type: 3 ids x 3 structs (two compatible ones, one whose
 *           name or size conflicts), or NULL
 *   byte 2: the object (NULL or one of OBJS - 1 addresses)
 *   byte 3: flags: GFP_ATOMIC and atomic context, the ctor refuses, the
 *           operation's first allocation fails (a creation that may
 *           sleep retries it and succeeds)
 *
 * After each input every type is unregistered and the process must be
 * back to zero live allocations, with every variable destroyed exactly once.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/klpx.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <shim.h>

#include "shadow.h"

#define IDS		3
#define STRUCTS		3	/* per id: 0, 1 compatible; 2 conflicting */
#define TYPES		(IDS * STRUCTS)
#define OBJS		40	/* enough for the store to resize */
#define MAX_SIZE	64
#define OP_BYTES	4

#define FLAG_ATOMIC	0x01
#define FLAG_CTOR_FAILS	0x02
#define FLAG_ALLOC_FAILS 0x04

static char objs[OBJS];

static void *obj_of(unsigned int o)
{
	return o ? &objs[o] : NULL;
}

static const struct {
	const char *name;
	size_t size;
} sigs[IDS][2] = {
	/* [id][0]: the compatible structs, [id][1]: the conflicting one */
	{ { "fz_one", 24 }, { "fz_one_other", 24 } },	/* name conflict */
	{ { "fz_two", 0 },  { "fz_two", 8 } },		/* size conflict */
	{ { "fz_three", 64 }, { "fz_three_b", 48 } },	/* both */
};

static struct klpx_shadow_type types[TYPES];

/* the model */
static struct {
	bool registered[TYPES];
	unsigned int refs[IDS];
	int sig[IDS];			/* which signature created the class */
	void *var[IDS][OBJS];		/* data pointer, NULL if none */
	uint64_t token[IDS][OBJS];
	uint64_t next_token;
} m;

/* what the ctor and dtors saw during one operation */
struct call {
	int type;	/* dtor: the struct whose dtor ran */
	void *obj;
	void *data;
	uint64_t token;	/* dtor: the data's first word, if it has one */
};

static struct {
	struct call ctor[4];
	unsigned int nr_ctor;
	struct call *dtor;
	unsigned int nr_dtor, max_dtor;
	bool ctor_fails;
	bool ctor_dirty;
	bool ctor_not_atomic;
	size_t size;
} seen;

#define fz_assert(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "shadow_fuzz: %s:%d: %s: " fmt "\n",	\
			__FILE__, __LINE__, #cond, ##__VA_ARGS__);	\
		shim_log_dump(stderr, 20);				\
		abort();						\
	}								\
} while (0)

static int fz_ctor(void *obj, void *data, void *ctor_data)
{
	size_t i;

	fz_assert(seen.nr_ctor < 4, "ctor called %u times", seen.nr_ctor + 1);
	seen.ctor[seen.nr_ctor].obj = obj;
	seen.ctor[seen.nr_ctor].data = data;
	seen.nr_ctor++;
	if (!shim_in_atomic())
		seen.ctor_not_atomic = true;
	for (i = 0; i < seen.size; i++)
		if (((unsigned char *)data)[i])
			seen.ctor_dirty = true;
	if (seen.ctor_fails)
		return -EAGAIN;
	if (seen.size >= sizeof(uint64_t))
		*(uint64_t *)data = m.next_token;
	return 0;
}

static void fz_dtor(int type, void *obj, void *data)
{
	if (seen.nr_dtor == seen.max_dtor) {
		seen.max_dtor = seen.max_dtor ? 2 * seen.max_dtor : 64;
		seen.dtor = realloc(seen.dtor, seen.max_dtor * sizeof(*seen.dtor));
		fz_assert(seen.dtor, "out of memory");
	}
	seen.dtor[seen.nr_dtor].type = type;
	seen.dtor[seen.nr_dtor].obj = obj;
	seen.dtor[seen.nr_dtor].data = data;
	if (types[type].size >= sizeof(uint64_t))
		seen.dtor[seen.nr_dtor].token = *(uint64_t *)data;
	seen.nr_dtor++;
}

#define FZ_DTOR(n)							\
static void fz_dtor_##n(void *obj, void *data)				\
{									\
	fz_dtor(n, obj, data);						\
}
FZ_DTOR(0) FZ_DTOR(1) FZ_DTOR(2) FZ_DTOR(3) FZ_DTOR(4) FZ_DTOR(5)
FZ_DTOR(6) FZ_DTOR(7) FZ_DTOR(8)

static klpx_shadow_dtor_t const fz_dtors[TYPES] = {
	fz_dtor_0, fz_dtor_1, fz_dtor_2, fz_dtor_3, fz_dtor_4, fz_dtor_5,
	fz_dtor_6, fz_dtor_7, fz_dtor_8,
};

static int sig_of(int t)
{
	return t % STRUCTS == 2;
}

static int fz_obj_index(void *obj)
{
	return obj ? (int)((char *)obj - objs) : 0;
}

/* the destruction of every variable of @id with @type's dtor, as seen */
static void expect_destroyed_all(int id, int type)
{
	unsigned int n = 0, i;
	int o;

	for (o = 0; o < OBJS; o++)
		n += m.var[id][o] != NULL;
	fz_assert(seen.nr_dtor == n, "%u dtor calls for %u variables",
		  seen.nr_dtor, n);
	for (i = 0; i < seen.nr_dtor; i++) {
		o = fz_obj_index(seen.dtor[i].obj);
		fz_assert(seen.dtor[i].type == type, "dtor of struct %d, not %d",
			  seen.dtor[i].type, type);
		fz_assert(m.var[id][o] == seen.dtor[i].data,
			  "dtor of %p for object %d, expected %p",
			  seen.dtor[i].data, o, m.var[id][o]);
		if (types[type].size >= sizeof(uint64_t))
			fz_assert(seen.dtor[i].token == m.token[id][o],
				  "variable's data changed");
		m.var[id][o] = NULL;	/* also catches a second dtor call */
	}
}

static void fz_init(void)
{
	int id, k;

	for (id = 0; id < IDS; id++) {
		for (k = 0; k < STRUCTS; k++) {
			struct klpx_shadow_type *t = &types[id * STRUCTS + k];

			t->id = 1000 + id;
			t->name = sigs[id][k == 2].name;
			t->size = sigs[id][k == 2].size;
			t->ctor = fz_ctor;
			t->dtor = fz_dtors[id * STRUCTS + k];
		}
	}
}

/* a struct to use for data operations on @id that the model can predict */
static int data_type(int t)
{
	int id = t / STRUCTS;

	if (!m.refs[id] || sig_of(t) == m.sig[id])
		return t;
	return m.sig[id] ? id * STRUCTS + 2 : id * STRUCTS + (t % STRUCTS) % 2;
}

static void op_register(int t, bool fail)
{
	int id = t / STRUCTS, ret;
	bool injected;

	ret = klpx_shadow_register(&types[t]);
	injected = shim_fail_injected();
	if (m.registered[t] || (m.refs[id] && sig_of(t) != m.sig[id])) {
		fz_assert(ret == -EINVAL, "register returned %d", ret);
		return;
	}
	if (injected) {
		fz_assert(ret == -ENOMEM, "register returned %d", ret);
		return;
	}
	fz_assert(ret == 0, "register returned %d", ret);
	m.registered[t] = true;
	if (!m.refs[id]++)
		m.sig[id] = sig_of(t);
}

static void op_unregister(int t)
{
	int id = t / STRUCTS, o;

	klpx_shadow_unregister(&types[t]);
	if (!m.registered[t]) {
		fz_assert(shim_warn_take() <= 1, "more than one WARN");
		fz_assert(seen.nr_dtor == 0, "dtor called");
		return;
	}
	m.registered[t] = false;
	if (--m.refs[id]) {
		fz_assert(seen.nr_dtor == 0, "dtor called with refs left");
		return;
	}
	expect_destroyed_all(id, t);
	for (o = 0; o < OBJS; o++)
		fz_assert(!m.var[id][o], "variable survived its id");
}

static void op_create(int t, int o, bool exclusive, bool atomic, bool fail)
{
	int id = t / STRUCTS;
	struct klpx_shadow_type *type = &types[t];
	gfp_t gfp = atomic ? GFP_ATOMIC : GFP_KERNEL;
	void *existing = m.var[id][o], *p;
	DEFINE_SPINLOCK(caller_lock);
	unsigned long flags = 0;
	bool injected;

	seen.size = type->size;
	if (atomic)
		spin_lock_irqsave(&caller_lock, flags);
	p = exclusive ? klpx_shadow_alloc(obj_of(o), type, gfp, NULL) :
			klpx_shadow_get_or_alloc(obj_of(o), type, gfp, NULL);
	if (atomic)
		spin_unlock_irqrestore(&caller_lock, flags);
	injected = shim_fail_injected();

	if (!m.refs[id]) {
		fz_assert(!p && !seen.nr_ctor, "created on an unregistered id");
		return;
	}
	if (existing) {
		fz_assert(!seen.nr_ctor, "ctor ran for an existing variable");
		if (exclusive) {
			fz_assert(!p, "alloc of an existing variable succeeded");
			/* a failed allocation may end it before the check */
			if (injected)
				fz_assert(shim_warn_take() <= 1, "two WARNs");
			else
				fz_assert(shim_warn_take() == 1,
					  "no WARN on a duplicate");
		} else {
			fz_assert(p == existing, "get_or_alloc: %p, not %p", p,
				  existing);
		}
		return;
	}
	/* a caller that may sleep has its failed first attempt retried */
	if (injected && atomic) {
		fz_assert(!p && !seen.nr_ctor, "allocation failed yet %p", p);
		return;
	}
	fz_assert(seen.nr_ctor == 1, "ctor ran %u times", seen.nr_ctor);
	fz_assert(seen.ctor[0].obj == obj_of(o), "ctor got the wrong object");
	fz_assert(!seen.ctor_dirty, "ctor got data that was not zeroed");
	fz_assert(!seen.ctor_not_atomic, "ctor not in atomic context");
	if (seen.ctor_fails) {
		fz_assert(!p, "ctor refused, yet %p", p);
		return;
	}
	fz_assert(p && p == seen.ctor[0].data, "created %p, ctor saw %p", p,
		  seen.ctor[0].data);
	m.var[id][o] = p;
	m.token[id][o] = m.next_token++;
}

static void op_get(int t, int o, bool atomic)
{
	int id = t / STRUCTS;
	DEFINE_SPINLOCK(caller_lock);
	unsigned long flags = 0;
	void *p;

	if (atomic)
		spin_lock_irqsave(&caller_lock, flags);
	p = klpx_shadow_get(obj_of(o), &types[t]);
	if (atomic)
		spin_unlock_irqrestore(&caller_lock, flags);
	fz_assert(p == m.var[id][o], "get: %p, expected %p", p, m.var[id][o]);
	if (p && types[t].size >= sizeof(uint64_t))
		fz_assert(*(uint64_t *)p == m.token[id][o], "data changed");
}

static void op_free(int t, int o)
{
	int id = t / STRUCTS;

	klpx_shadow_free(obj_of(o), &types[t]);
	if (!m.var[id][o]) {
		fz_assert(!seen.nr_dtor, "dtor without a variable");
		return;
	}
	fz_assert(seen.nr_dtor == 1, "%u dtor calls", seen.nr_dtor);
	fz_assert(seen.dtor[0].type == t && seen.dtor[0].data == m.var[id][o] &&
		  seen.dtor[0].obj == obj_of(o), "wrong dtor call");
	m.var[id][o] = NULL;
}

static void op_free_all(int t)
{
	klpx_shadow_free_all(&types[t]);
	expect_destroyed_all(t / STRUCTS, t);
}

static void op_count(int t)
{
	int id = t / STRUCTS, o;
	size_t n = 0;

	for (o = 0; o < OBJS; o++)
		n += m.var[id][o] != NULL;
	fz_assert(klpx_shadow_count(&types[t]) == n, "count is not %zu", n);
}

static void op_null_type(int o)
{
	fz_assert(!klpx_shadow_get(obj_of(o), NULL), "get(NULL type)");
	fz_assert(!klpx_shadow_alloc(obj_of(o), NULL, GFP_KERNEL, NULL),
		  "alloc(NULL type)");
	fz_assert(!klpx_shadow_count(NULL), "count(NULL type)");
	fz_assert(klpx_shadow_register(NULL) == -EINVAL, "register(NULL)");
	klpx_shadow_free(obj_of(o), NULL);
	klpx_shadow_free_all(NULL);
	fz_assert(!seen.nr_ctor && !seen.nr_dtor, "ctor or dtor ran");
}

static void run_op(const uint8_t *op)
{
	unsigned int code = op[0] % 9;
	int t = op[1] % TYPES, o = op[2] % OBJS;
	bool atomic = op[3] & FLAG_ATOMIC, fail = op[3] & FLAG_ALLOC_FAILS;
	struct shim_fail_policy first = { .nth = 1 };

	seen.nr_ctor = 0;
	seen.nr_dtor = 0;
	seen.ctor_dirty = false;
	seen.ctor_not_atomic = false;
	seen.ctor_fails = op[3] & FLAG_CTOR_FAILS;
	if (code >= 2)
		t = data_type(t);
	if (fail) {
		/* nothing else may take the failure: no resize in flight... */
		shim_workqueue_drain();
		/* ...nor started by a creation meanwhile: only the variable */
		if (code == 3 || code == 4)
			first.kinds = 1u << SHIM_SLAB;
		shim_fail_set(&first);
	}

	switch (code) {
	case 0:
		op_register(t, fail);
		break;
	case 1:
		op_unregister(t);
		break;
	case 2:
		op_get(t, o, atomic);
		break;
	case 3:
		op_create(t, o, true, atomic, fail);
		break;
	case 4:
		op_create(t, o, false, atomic, fail);
		break;
	case 5:
		op_free(t, o);
		break;
	case 6:
		op_free_all(t);
		break;
	case 7:
		op_count(t);
		break;
	case 8:
		op_null_type(o);
		break;
	}
	if (fail)
		shim_fail_clear();
	fz_assert(shim_warn_take() == 0, "unexpected WARN");
	fz_assert(shim_splat_pending() == 0, "locking or RCU rule broken");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	shim_thread_enter();
	fz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;
	int t, id;

	for (i = 0; i + OP_BYTES <= size; i += OP_BYTES)
		run_op(data + i);

	/* every variable must go with its id, and all memory with it */
	for (t = 0; t < TYPES; t++) {
		if (!m.registered[t])
			continue;
		seen.nr_dtor = 0;
		op_unregister(t);
	}
	shim_warn_take();
	for (id = 0; id < IDS; id++)
		fz_assert(!m.refs[id], "id %d still has references", id);
	shim_workqueue_drain();
	rcu_barrier();
	fz_assert(shim_alloc_live_total() == 0, "%ld allocations leaked",
		  shim_alloc_live_total());
	if (shim_alloc_live_total())
		shim_alloc_dump_live(stderr);
	return 0;
}
