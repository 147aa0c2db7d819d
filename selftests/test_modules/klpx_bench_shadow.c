// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_bench_shadow.c - klpx's shadow variables against the kernel's own
 * (klp_shadow_*): the commands fill, get, miss, resize, create, clear,
 * freeall and gc of klpx_bench (klpx_bench_main.c lists them).
 *
 * A set is "one" (every variable of one id) or "spread" (the variables
 * spread over 64 ids, variable i of id i % 64).  Objects are never
 * dereferenced by either implementation, so the keys are addresses in a
 * range of their own, 64 bytes apart (48 and 96 in the sets "one48" and
 * "one96"), like objects of a slab cache; no memory stands behind them.
 *
 * The lookups of "get" and "miss" also time a third contender, "base":
 * the same loop calling a function that does nothing, so that the host can
 * subtract the loop's own cost.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/ktime.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "klpx_bench.h"

#define BENCH_MAX_IDS		64
/* Lookups drawn once per measurement and replayed until the budget ends. */
#define BENCH_NR_LOOKUPS	4096
#define BENCH_CREATE_CHUNK	50

/* "resize": variables before the one that makes klpx's table grow. */
#define BENCH_RESIZE_N		32767
/* Batches per contender timed while the table grows. */
#define BENCH_RESIZE_BATCHES	64

/* Key ranges: present variables, misses, and variables made by "create". */
#define BENCH_MISS_BASE		(10UL * 1000 * 1000)
#define BENCH_CREATE_BASE	(20UL * 1000 * 1000)

enum bench_impl { BENCH_KLPX, BENCH_KLP, BENCH_NR_IMPL };
/* The empty loop, timed in turn with the two implementations. */
#define BENCH_BASE	BENCH_NR_IMPL

static const char *const bench_impl_name[BENCH_NR_IMPL] = { "klpx", "klp" };

/**
 * struct bench_set - variables of one or more ids, in both implementations
 * @name:	"one", "spread", "victim" or "gc"
 * @nr_ids:	ids the variables are spread over
 * @base_id:	first id; variable i has id @base_id + i % @nr_ids
 * @key_base:	address of the object of variable 0
 * @stride:	bytes between the objects of variables i and i + 1
 * @types:	the klpx types, one per id
 * @names:	their names
 * @registered: @types are registered with klpx
 * @n:		live variables of each implementation
 */
struct bench_set {
	const char *name;
	unsigned int nr_ids;
	unsigned long base_id;
	unsigned long key_base;
	unsigned long stride;
	struct klpx_shadow_type types[BENCH_MAX_IDS];
	char names[BENCH_MAX_IDS][24];
	bool registered;
	unsigned long n[BENCH_NR_IMPL];
};

static struct bench_set bench_sets[] = {
	{ .name = "one", .nr_ids = 1, .base_id = 0x6b780000,
	  .key_base = 0xffff888100000000UL, .stride = 64 },
	{ .name = "spread", .nr_ids = 64, .base_id = 0x6b781000,
	  .key_base = 0xffff888200000000UL, .stride = 64 },
	{ .name = "victim", .nr_ids = 1, .base_id = 0x6b782000,
	  .key_base = 0xffff888300000000UL, .stride = 64 },
	{ .name = "gc", .nr_ids = 1, .base_id = 0x6b783000,
	  .key_base = 0xffff888400000000UL, .stride = 64 },
	{ .name = "one48", .nr_ids = 1, .base_id = 0x6b784000,
	  .key_base = 0xffff888500000000UL, .stride = 48 },
	{ .name = "one96", .nr_ids = 1, .base_id = 0x6b785000,
	  .key_base = 0xffff888600000000UL, .stride = 96 },
	{ .name = "grow", .nr_ids = 1, .base_id = 0x6b786000,
	  .key_base = 0xffff888700000000UL, .stride = 64 },
};

/* The lookups of one measurement: object and id index of each. */
static void **bench_objs;
static u8 *bench_kinds;

/* The lookup of the empty loop: a call that finds nothing. */
static BENCH_FN void *klpx_bench_get_nothing(void *obj, unsigned long kind)
{
	return NULL;
}

static struct bench_set *bench_set_find(const char *name)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(bench_sets); i++)
		if (!strcmp(bench_sets[i].name, name))
			return &bench_sets[i];
	return NULL;
}

static inline void *bench_key(struct bench_set *s, unsigned long i)
{
	return (void *)(s->key_base + i * s->stride);
}

static int bench_set_register(struct bench_set *s)
{
	unsigned int k;
	int ret;

	if (s->registered)
		return 0;
	for (k = 0; k < s->nr_ids; k++) {
		struct klpx_shadow_type *t = &s->types[k];

		memset(t, 0, sizeof(*t));
		snprintf(s->names[k], sizeof(s->names[k]), "bench_%s_%u",
			 s->name, k);
		t->id = s->base_id + k;
		t->name = s->names[k];
		t->size = sizeof(u64);
		ret = klpx_shadow_register(t);
		if (ret) {
			while (k--)
				klpx_shadow_unregister(&s->types[k]);
			bench_out("error: cannot register %s: %d\n", s->name, ret);
			return ret;
		}
	}
	s->registered = true;
	return 0;
}

/* Garbage-collects every klpx variable of @s. */
static void bench_set_unregister(struct bench_set *s)
{
	unsigned int k;

	if (!s->registered)
		return;
	for (k = 0; k < s->nr_ids; k++)
		klpx_shadow_unregister(&s->types[k]);
	s->registered = false;
	s->n[BENCH_KLPX] = 0;
}

static void bench_set_clear_klp(struct bench_set *s)
{
	unsigned int k;

	for (k = 0; k < s->nr_ids; k++)
		klp_shadow_free_all(s->base_id + k, NULL);
	s->n[BENCH_KLP] = 0;
}

static void *bench_alloc(struct bench_set *s, enum bench_impl impl,
			 unsigned long i, bool exclusive)
{
	unsigned int k = i % s->nr_ids;
	void *obj = bench_key(s, i);

	if (impl == BENCH_KLPX)
		return exclusive ?
			klpx_shadow_alloc(obj, &s->types[k], GFP_KERNEL, NULL) :
			klpx_shadow_get_or_alloc(obj, &s->types[k], GFP_KERNEL,
						 NULL);
	return exclusive ?
		klp_shadow_alloc(obj, s->base_id + k, sizeof(u64), GFP_KERNEL,
				 NULL, NULL) :
		klp_shadow_get_or_alloc(obj, s->base_id + k, sizeof(u64),
					GFP_KERNEL, NULL, NULL);
}

static void bench_free(struct bench_set *s, enum bench_impl impl,
		       unsigned long i)
{
	unsigned int k = i % s->nr_ids;
	void *obj = bench_key(s, i);

	if (impl == BENCH_KLPX)
		klpx_shadow_free(obj, &s->types[k]);
	else
		klp_shadow_free(obj, s->base_id + k, NULL);
}

static int bench_fill(struct bench_set *s, enum bench_impl impl,
		      unsigned long n)
{
	unsigned long i, from = s->n[impl];
	u64 t0;
	int ret;

	if (n > BENCH_MAX_N)
		return -EINVAL;
	ret = bench_set_register(s);
	if (ret)
		return ret;
	t0 = ktime_get_ns();
	for (i = from; i < n; i++) {
		if (!bench_alloc(s, impl, i, true)) {
			bench_out("error: %s: %s alloc of variable %lu failed\n",
				  s->name, bench_impl_name[impl], i);
			return -ENOMEM;
		}
		s->n[impl] = i + 1;
		if (!(i % 256))
			cond_resched();
	}
	if (n > from)
		bench_sample("fill", s->name, n, bench_impl_name[impl], 0,
			     ktime_get_ns() - t0, n - from);
	return 0;
}

/* Draw the lookups of one measurement: BENCH_NR_LOOKUPS of [base, base + n). */
static void bench_draw(struct bench_set *s, unsigned long base, unsigned long n)
{
	unsigned long i;
	int j;

	for (j = 0; j < BENCH_NR_LOOKUPS; j++) {
		i = get_random_u32_below(n);
		bench_kinds[j] = i % s->nr_ids;
		bench_objs[j] = bench_key(s, base + i);
	}
}

/*
 * One batch of BENCH_BATCH of the drawn lookups, from *@pos on; returns
 * its time and adds the hits to *@hits.
 */
static u64 bench_get_batch(struct bench_set *s, enum bench_impl impl,
			   unsigned int *pos, u64 *hits)
{
	unsigned int j = *pos, end = j + BENCH_BATCH;
	u64 t0, found = 0;

	t0 = ktime_get_ns();
	if (impl == BENCH_KLPX) {
		for (; j < end; j++)
			found += klpx_shadow_get(bench_objs[j],
					&s->types[bench_kinds[j]]) != NULL;
	} else if (impl == BENCH_BASE) {
		for (; j < end; j++)
			found += klpx_bench_get_nothing(bench_objs[j],
					(unsigned long)&s->types[bench_kinds[j]]) != NULL;
	} else {
		for (; j < end; j++)
			found += klp_shadow_get(bench_objs[j],
					s->base_id + bench_kinds[j]) != NULL;
	}
	t0 = ktime_get_ns() - t0;
	*pos = end % BENCH_NR_LOOKUPS;
	*hits += found;
	return t0;
}

/*
 * A round: batches of the two implementations alternate (A B A B ...) on
 * the same lookups until each has run for the budget.
 */
static int bench_gets(struct bench_set *s, int rounds, bool present)
{
	static const char *const who[] = { "klpx", "klp", "base" };
	const char *what = present ? "get" : "miss";
	unsigned long n = s->n[BENCH_KLPX];
	u64 hits[ARRAY_SIZE(who)], want;
	unsigned int pos[ARRAY_SIZE(who)];
	int r, o, impl;

	if (!n || n != s->n[BENCH_KLP]) {
		bench_out("error: %s: fill both implementations to one size first\n",
			  s->name);
		return -EINVAL;
	}
	for (r = 0; r < rounds; r++) {
		bench_draw(s, present ? 0 : BENCH_MISS_BASE, n);
		bench_turns_reset();
		memset(hits, 0, sizeof(hits));
		memset(pos, 0, sizeof(pos));
		do {
			for (o = 0; o < ARRAY_SIZE(who); o++) {
				impl = (r + o) % ARRAY_SIZE(who);
				bench_turns_add(impl,
						bench_get_batch(s, impl, &pos[impl],
								&hits[impl]));
			}
			cond_resched();
		} while (bench_turns_more(ARRAY_SIZE(who)));
		for (impl = 0; impl < ARRAY_SIZE(who); impl++) {
			want = present && impl != BENCH_BASE ?
				(u64)bench_turns.nr[impl] * BENCH_BATCH : 0;
			if (hits[impl] != want) {
				bench_out("error: %s %s %s: %llu hits, %llu expected\n",
					  what, s->name, bench_impl_name[impl],
					  hits[impl], want);
				return -EIO;
			}
			bench_turns_sample(impl, what, s->name, n, who[impl], r,
					   BENCH_BATCH);
		}
	}
	return 0;
}

static void bench_clear(struct bench_set *s);

/*
 * Lookups while klpx's table grows: klpx holds BENCH_RESIZE_N variables in
 * a settled table, one more makes it grow (a work item moves the chains,
 * 64 per lock hold, yielding between), and batches of lookups of present
 * variables, klpx's and upstream's in turn, run meanwhile; each pair of
 * batches lets the resize run one step.  Upstream, at the same size, has
 * nothing to resize.  Each round starts from a fresh klpx id.
 */
static int bench_resize(int rounds)
{
	struct bench_set *s = bench_set_find("grow");
	unsigned long n = BENCH_RESIZE_N + 1;
	u64 hits[BENCH_NR_IMPL];
	unsigned int pos[BENCH_NR_IMPL];
	int r, o, b, impl, ret;

	ret = bench_fill(s, BENCH_KLP, n);
	for (r = 0; r < rounds && !ret; r++) {
		bench_set_unregister(s);
		ret = bench_fill(s, BENCH_KLPX, BENCH_RESIZE_N);
		if (ret)
			break;
		bench_settle();
		bench_draw(s, 0, BENCH_RESIZE_N);
		/* The variable that crosses load 1: the table doubles. */
		ret = bench_fill(s, BENCH_KLPX, n);
		if (ret)
			break;
		bench_turns_reset();
		memset(hits, 0, sizeof(hits));
		memset(pos, 0, sizeof(pos));
		for (b = 0; b < BENCH_RESIZE_BATCHES; b++) {
			for (o = 0; o < BENCH_NR_IMPL; o++) {
				impl = (r + o) % BENCH_NR_IMPL;
				bench_turns_add(impl,
						bench_get_batch(s, impl, &pos[impl],
								&hits[impl]));
			}
			cond_resched();
		}
		for (impl = 0; impl < BENCH_NR_IMPL; impl++) {
			if (hits[impl] != (u64)BENCH_RESIZE_BATCHES * BENCH_BATCH) {
				bench_out("error: resize %s: %llu hits, %llu expected\n",
					  bench_impl_name[impl], hits[impl],
					  (u64)BENCH_RESIZE_BATCHES * BENCH_BATCH);
				ret = -EIO;
				break;
			}
			bench_turns_sample(impl, "resize", s->name, n,
					   bench_impl_name[impl], r, BENCH_BATCH);
		}
	}
	bench_clear(s);
	return ret;
}

/*
 * K get_or_alloc() calls that each create a variable, per round, in
 * chunks of the two implementations in turn; then the K are freed.
 */
static int bench_create(struct bench_set *s, int rounds, unsigned long k)
{
	unsigned long n = s->n[BENCH_KLPX], i, from, to;
	int r, o, impl, ret = 0;
	u64 t0;

	if (!n || n != s->n[BENCH_KLP] || k < BENCH_CREATE_CHUNK ||
	    k > BENCH_MAX_N) {
		bench_out("error: %s: fill both implementations to one size first\n",
			  s->name);
		return -EINVAL;
	}
	for (r = 0; r < rounds && !ret; r++) {
		bench_settle();
		bench_turns_reset();
		for (from = 0; from + BENCH_CREATE_CHUNK <= k && !ret; from = to) {
			to = from + BENCH_CREATE_CHUNK;
			for (o = 0; o < BENCH_NR_IMPL; o++) {
				impl = (r + o) % BENCH_NR_IMPL;
				t0 = ktime_get_ns();
				for (i = from; i < to; i++)
					if (!bench_alloc(s, impl,
							 BENCH_CREATE_BASE + i,
							 false))
						break;
				bench_turns_add(impl, ktime_get_ns() - t0);
				if (i < to) {
					bench_out("error: create %s %s: variable %lu failed\n",
						  s->name, bench_impl_name[impl], i);
					ret = -ENOMEM;
				}
			}
			cond_resched();
		}
		for (impl = 0; impl < BENCH_NR_IMPL; impl++) {
			if (!ret)
				bench_turns_sample(impl, "create", s->name, n,
						   bench_impl_name[impl], r,
						   BENCH_CREATE_CHUNK);
			/* Missing ones (after a failure) are simply absent. */
			for (i = 0; i < to; i++)
				bench_free(s, impl, BENCH_CREATE_BASE + i);
		}
	}
	bench_settle();
	return ret;
}

static void bench_clear(struct bench_set *s)
{
	bench_set_unregister(s);
	bench_set_clear_klp(s);
	bench_settle();
}

/* free_all of the "victim" id holding K variables, "spread" being live. */
static int bench_freeall(int rounds, unsigned long k)
{
	struct bench_set *s = bench_set_find("victim");
	struct bench_set *others = bench_set_find("spread");
	unsigned long live = others->n[BENCH_KLPX];
	u64 t0, ns;
	int r, o, impl, ret;

	if (live != others->n[BENCH_KLP]) {
		bench_out("error: spread: fill both implementations to one size first\n");
		return -EINVAL;
	}
	for (r = 0; r < rounds; r++) {
		for (o = 0; o < BENCH_NR_IMPL; o++) {
			impl = (r + o) % BENCH_NR_IMPL;
			ret = bench_fill(s, impl, k);
			if (ret)
				return ret;
			bench_settle();
			t0 = ktime_get_ns();
			if (impl == BENCH_KLPX)
				klpx_shadow_free_all(&s->types[0]);
			else
				klp_shadow_free_all(s->base_id, NULL);
			ns = ktime_get_ns() - t0;
			s->n[impl] = 0;
			bench_sample("freeall", "spread", live,
				     bench_impl_name[impl], r, ns, k);
		}
	}
	bench_clear(s);
	return 0;
}

/*
 * Garbage collection: klpx unregisters the last registration of an id
 * holding N variables, which returns once they are destroyed and freed.
 * The kernel's shadow variables have no such thing: the nearest is the
 * klp_shadow_free_all() a patch's callback has to call, whose frees
 * complete after a grace period; both halves are reported.
 */
static int bench_gc(unsigned long n, int rounds)
{
	struct bench_set *s = bench_set_find("gc");
	u64 t0, t1, t2;
	int r, o, impl, ret;

	for (r = 0; r < rounds; r++) {
		for (o = 0; o < BENCH_NR_IMPL; o++) {
			impl = (r + o) % BENCH_NR_IMPL;
			ret = bench_fill(s, impl, n);
			if (ret)
				return ret;
			bench_settle();
			if (impl == BENCH_KLPX) {
				t0 = ktime_get_ns();
				bench_set_unregister(s);
				bench_sample("gc", "gc", n, "klpx", r,
					     ktime_get_ns() - t0, 1);
				continue;
			}
			t0 = ktime_get_ns();
			klp_shadow_free_all(s->base_id, NULL);
			t1 = ktime_get_ns();
			rcu_barrier();
			t2 = ktime_get_ns();
			s->n[BENCH_KLP] = 0;
			bench_sample("gc", "gc", n, "klp", r, t1 - t0, 1);
			bench_sample("gcfreed", "gc", n, "klp", r, t2 - t0, 1);
		}
	}
	bench_settle();
	return 0;
}

/* The shadow commands; -ENOENT for any other. */
int bench_shadow_run(int argc, char **argv)
{
	unsigned long a = 0, b = 0;
	struct bench_set *s = NULL;
	int impl;

	if (!strcmp(argv[0], "gc") && argc == 3 && !kstrtoul(argv[1], 0, &a) &&
	    !kstrtoul(argv[2], 0, &b) && a && a <= BENCH_MAX_N && b &&
	    b <= BENCH_MAX_ROUNDS)
		return bench_gc(a, b);
	if (!strcmp(argv[0], "resize") && argc == 2 &&
	    !kstrtoul(argv[1], 0, &a) && a && a <= BENCH_MAX_ROUNDS)
		return bench_resize(a);
	if (!strcmp(argv[0], "freeall") && argc == 3 &&
	    !kstrtoul(argv[1], 0, &a) && !kstrtoul(argv[2], 0, &b) && a &&
	    a <= BENCH_MAX_ROUNDS && b && b <= BENCH_MAX_N)
		return bench_freeall(a, b);

	if (strcmp(argv[0], "clear") && strcmp(argv[0], "fill") &&
	    strcmp(argv[0], "get") && strcmp(argv[0], "miss") &&
	    strcmp(argv[0], "create"))
		return -ENOENT;
	/* The rest name a set of their own: "one", "spread", "one48", "one96". */
	if (argc > 1)
		s = bench_set_find(argv[1]);
	if (!s || !strcmp(s->name, "victim") || !strcmp(s->name, "gc") ||
	    !strcmp(s->name, "grow"))
		return -EINVAL;
	if (!strcmp(argv[0], "clear") && argc == 2) {
		bench_clear(s);
		return 0;
	}
	if (!strcmp(argv[0], "fill") && argc == 4 &&
	    !kstrtoul(argv[3], 0, &a)) {
		for (impl = 0; impl < BENCH_NR_IMPL; impl++)
			if (!strcmp(argv[2], bench_impl_name[impl]))
				return bench_fill(s, impl, a);
		return -EINVAL;
	}
	if ((!strcmp(argv[0], "get") || !strcmp(argv[0], "miss")) &&
	    argc == 3 && !kstrtoul(argv[2], 0, &a) && a && a <= BENCH_MAX_ROUNDS)
		return bench_gets(s, a, !strcmp(argv[0], "get"));
	if (!strcmp(argv[0], "create") && argc == 4 &&
	    !kstrtoul(argv[2], 0, &a) && !kstrtoul(argv[3], 0, &b) && a &&
	    a <= BENCH_MAX_ROUNDS)
		return bench_create(s, a, b);
	return -EINVAL;
}

int bench_shadow_init(void)
{
	bench_objs = kvmalloc_array(BENCH_NR_LOOKUPS, sizeof(*bench_objs),
				    GFP_KERNEL);
	bench_kinds = kvmalloc_array(BENCH_NR_LOOKUPS, sizeof(*bench_kinds),
				     GFP_KERNEL);
	if (!bench_objs || !bench_kinds) {
		kvfree(bench_kinds);
		kvfree(bench_objs);
		return -ENOMEM;
	}
	return 0;
}

void bench_shadow_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(bench_sets); i++) {
		bench_set_unregister(&bench_sets[i]);
		bench_set_clear_klp(&bench_sets[i]);
	}
	/* klp_shadow_free_all() frees after a grace period. */
	rcu_barrier();
	kvfree(bench_kinds);
	kvfree(bench_objs);
}
