// SPDX-License-Identifier: GPL-2.0
/*
 * The allocation shim: kmalloc, kvmalloc and slab caches on top of malloc.
 *
 * Each allocation carries a header that records its kind, cache, size and
 * call site and links it into the list of live allocations, so a test can
 * count what is live and print what leaked.  Frees are checked against
 * the allocator (kfree of kvmalloc memory, kmem_cache_free with the wrong
 * cache).  Allocations fail on demand as a struct shim_fail_policy says,
 * and where the kernel would fail them anyway (kmalloc beyond
 * KMALLOC_MAX_SIZE, kvmalloc beyond INT_MAX).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/slab.h>
#include <linux/string.h>
#include <shim.h>

#define SHIM_ALLOC_LIVE		0x6b6c7078a110c8edUL
#define SHIM_ALLOC_FREED	0x6b6c7078f4eed000UL
#define SHIM_KMALLOC_MAX_SIZE	(4UL << 20)

/**
 * struct shim_alloc_hdr - what precedes every allocation
 * @next:	live list
 * @prev:	live list
 * @base:	what malloc returned
 * @cache:	the slab cache of a SHIM_SLAB object
 * @file:	call site
 * @line:	call site
 * @kind:	enum shim_alloc_kind
 * @size:	bytes asked for
 * @magic:	SHIM_ALLOC_LIVE while allocated
 */
struct shim_alloc_hdr {
	struct shim_alloc_hdr *next, *prev;
	void *base;
	struct kmem_cache *cache;
	const char *file;
	int line;
	unsigned int kind;
	size_t size;
	unsigned long magic;
};

struct kmem_cache {
	const char *name;
	size_t size;
	size_t align;
	slab_flags_t flags;
	void (*ctor)(void *obj);
	long live;
};

/* shim_alloc_lock guards the live list, the counters and the policy */
static pthread_mutex_t shim_alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shim_alloc_hdr shim_live = { .next = &shim_live, .prev = &shim_live };
static long shim_live_count[SHIM_NR_KINDS];
static unsigned long shim_attempts, shim_attempts_blocking;
static struct shim_fail_policy shim_policy;
static unsigned long shim_eligible, shim_injected;
static const char *shim_injected_file;
static int shim_injected_line;

static const char *const shim_kind_name[SHIM_NR_KINDS] = {
	[SHIM_KMALLOC] = "kmalloc",
	[SHIM_KVMALLOC] = "kvmalloc",
	[SHIM_SLAB] = "kmem_cache_alloc",
	[SHIM_CACHE] = "kmem_cache_create",
};

void shim_fail_set(const struct shim_fail_policy *policy)
{
	pthread_mutex_lock(&shim_alloc_lock);
	shim_policy = *policy;
	shim_eligible = 0;
	shim_injected = 0;
	shim_injected_file = NULL;
	pthread_mutex_unlock(&shim_alloc_lock);
}

void shim_fail_clear(void)
{
	static const struct shim_fail_policy none;

	shim_fail_set(&none);
}

unsigned long shim_fail_injected(void)
{
	unsigned long n;

	pthread_mutex_lock(&shim_alloc_lock);
	n = shim_injected;
	pthread_mutex_unlock(&shim_alloc_lock);
	return n;
}

void shim_fail_last_site(char *buf, size_t len)
{
	pthread_mutex_lock(&shim_alloc_lock);
	if (shim_injected_file)
		snprintf(buf, len, "%s:%d", shim_injected_file,
			 shim_injected_line);
	else if (len)
		buf[0] = '\0';
	pthread_mutex_unlock(&shim_alloc_lock);
}

/* caller holds shim_alloc_lock */
static bool shim_should_fail(enum shim_alloc_kind kind, gfp_t gfp,
			     const char *file, int line)
{
	const struct shim_fail_policy *p = &shim_policy;
	unsigned long n;
	bool fail;

	if (!p->nth && !p->every && !p->after)
		return false;
	if (gfp & __GFP_NOFAIL)
		return false;
	if (p->kinds && !(p->kinds & (1u << kind)))
		return false;
	if (p->atomic_only && gfpflags_allow_blocking(gfp))
		return false;
	n = ++shim_eligible;
	fail = (p->nth && n == p->nth) ||
	       (p->every && n % p->every == 0) ||
	       (p->after && n > p->after);
	if (fail) {
		shim_injected++;
		shim_injected_file = file;
		shim_injected_line = line;
	}
	return fail;
}

static void (*shim_alloc_hook)(enum shim_alloc_kind kind, unsigned int gfp);

void shim_set_alloc_hook(void (*hook)(enum shim_alloc_kind kind,
				      unsigned int gfp))
{
	__atomic_store_n(&shim_alloc_hook, hook, __ATOMIC_SEQ_CST);
}

void *shim_alloc(enum shim_alloc_kind kind, size_t size, gfp_t gfp,
		 struct kmem_cache *cache, const char *file, int line)
{
	void (*hook)(enum shim_alloc_kind, unsigned int) =
		__atomic_load_n(&shim_alloc_hook, __ATOMIC_SEQ_CST);
	struct shim_alloc_hdr *h;
	size_t align = 16, offset;
	void *base;
	bool fail;

	if (hook)
		hook(kind, gfp);
	if (gfpflags_allow_blocking(gfp))
		shim_might_sleep("sleeping allocation", file, line);
	if (kind == SHIM_SLAB) {
		size = cache->size;
		if (cache->align > align)
			align = cache->align;
	}
	/*
	 * The kernel aligns power-of-two kmalloc blocks to their size, and
	 * vmalloc ones to a page: kvmalloc gives at least min(size, page).
	 */
	if ((kind == SHIM_KMALLOC || kind == SHIM_KVMALLOC) && size > align &&
	    !(size & (size - 1)))
		align = size < 4096 ? size : 4096;

	pthread_mutex_lock(&shim_alloc_lock);
	shim_attempts++;
	if (gfpflags_allow_blocking(gfp))
		shim_attempts_blocking++;
	fail = shim_should_fail(kind, gfp, file, line);
	pthread_mutex_unlock(&shim_alloc_lock);
	if (fail)
		return NULL;

	if ((kind == SHIM_KMALLOC && size == 0) ||
	    (kind == SHIM_KVMALLOC && size == 0))
		return ZERO_SIZE_PTR;
	if (kind == SHIM_KMALLOC ||
	    (kind == SHIM_KVMALLOC && !gfpflags_allow_blocking(gfp))) {
		if (size > SHIM_KMALLOC_MAX_SIZE) {
			if (!(gfp & __GFP_NOWARN))
				shim_warn(file, line,
					  "%s of %zu bytes exceeds KMALLOC_MAX_SIZE",
					  shim_kind_name[kind], size);
			return NULL;
		}
	} else if (kind == SHIM_KVMALLOC && size > INT_MAX) {
		if (!(gfp & __GFP_NOWARN))
			shim_warn(file, line, "kvmalloc of %zu bytes exceeds INT_MAX",
				  size);
		return NULL;
	}

	offset = (sizeof(*h) + align - 1) & ~(align - 1);
	if (posix_memalign(&base, align, offset + size))
		return NULL;
	h = (struct shim_alloc_hdr *)((char *)base + offset - sizeof(*h));
	h->base = base;
	h->cache = cache;
	h->file = file;
	h->line = line;
	h->kind = kind;
	h->size = size;
	h->magic = SHIM_ALLOC_LIVE;
	if (gfp & __GFP_ZERO)
		memset(h + 1, 0, size);
	else
		memset(h + 1, 0xa5, size);	/* no accidental zeroes */
	if (kind == SHIM_SLAB && cache->ctor)
		cache->ctor(h + 1);

	pthread_mutex_lock(&shim_alloc_lock);
	h->next = &shim_live;
	h->prev = shim_live.prev;
	shim_live.prev->next = h;
	shim_live.prev = h;
	shim_live_count[kind]++;
	if (kind == SHIM_SLAB)
		cache->live++;
	pthread_mutex_unlock(&shim_alloc_lock);
	return h + 1;
}

void shim_free(enum shim_alloc_kind kind, const void *ptr,
	       struct kmem_cache *cache, const char *file, int line)
{
	struct shim_alloc_hdr *h;

	if (ZERO_OR_NULL_PTR(ptr))
		return;
	h = (struct shim_alloc_hdr *)ptr - 1;
	if (h->magic != SHIM_ALLOC_LIVE) {
		shim_splat(file, line, "freeing %p, which is not a live allocation",
			   ptr);
		return;
	}
	switch (kind) {
	case SHIM_KMALLOC:
		WARN(h->kind == SHIM_KVMALLOC,
		     "%s:%d: kfree() of kvmalloc memory from %s:%d", file, line,
		     h->file, h->line);
		WARN(h->kind == SHIM_CACHE, "%s:%d: kfree() of a slab cache",
		     file, line);
		break;
	case SHIM_KVMALLOC:
		WARN(h->kind == SHIM_CACHE, "%s:%d: kvfree() of a slab cache",
		     file, line);
		break;
	case SHIM_SLAB:
		WARN(h->kind != SHIM_SLAB || h->cache != cache,
		     "%s:%d: kmem_cache_free(%s) of memory from %s:%d (%s)",
		     file, line, cache ? cache->name : "NULL", h->file, h->line,
		     h->kind == SHIM_SLAB ? h->cache->name : shim_kind_name[h->kind]);
		break;
	default:
		break;
	}

	pthread_mutex_lock(&shim_alloc_lock);
	h->prev->next = h->next;
	h->next->prev = h->prev;
	shim_live_count[h->kind]--;
	if (h->kind == SHIM_SLAB)
		h->cache->live--;
	h->magic = SHIM_ALLOC_FREED;
	pthread_mutex_unlock(&shim_alloc_lock);
	free(h->base);
}

struct kmem_cache *shim_kmem_cache_create(const char *name, size_t size,
					  size_t align, slab_flags_t flags,
					  void (*ctor)(void *),
					  const char *file, int line)
{
	struct kmem_cache *c;

	might_sleep();
	c = shim_alloc(SHIM_CACHE, sizeof(*c), GFP_KERNEL | __GFP_ZERO, NULL,
		       file, line);
	if (!c)
		return NULL;
	c->name = name;
	c->size = size;
	c->align = align;
	if ((flags & SLAB_HWCACHE_ALIGN) && c->align < 64)
		c->align = 64;
	if (c->align & (c->align - 1) || c->align < sizeof(void *))
		c->align = c->align < sizeof(void *) ? sizeof(void *) : 64;
	c->flags = flags;
	c->ctor = ctor;
	return c;
}

void kmem_cache_destroy(struct kmem_cache *cache)
{
	long live;

	if (!cache)
		return;
	might_sleep();
	pthread_mutex_lock(&shim_alloc_lock);
	live = cache->live;
	pthread_mutex_unlock(&shim_alloc_lock);
	if (WARN(live, "kmem_cache_destroy %s: %ld objects remaining",
		 cache->name, live))
		return;	/* like the kernel: the cache is leaked */
	shim_free(SHIM_CACHE, cache, NULL, __FILE__, __LINE__);
}

long shim_alloc_live(enum shim_alloc_kind kind)
{
	long n;

	pthread_mutex_lock(&shim_alloc_lock);
	n = shim_live_count[kind];
	pthread_mutex_unlock(&shim_alloc_lock);
	return n;
}

long shim_alloc_live_total(void)
{
	long n = 0;
	int k;

	pthread_mutex_lock(&shim_alloc_lock);
	for (k = 0; k < SHIM_NR_KINDS; k++)
		n += shim_live_count[k];
	pthread_mutex_unlock(&shim_alloc_lock);
	return n;
}

unsigned long shim_alloc_attempts(void)
{
	unsigned long n;

	pthread_mutex_lock(&shim_alloc_lock);
	n = shim_attempts;
	pthread_mutex_unlock(&shim_alloc_lock);
	return n;
}

unsigned long shim_alloc_attempts_blocking(void)
{
	unsigned long n;

	pthread_mutex_lock(&shim_alloc_lock);
	n = shim_attempts_blocking;
	pthread_mutex_unlock(&shim_alloc_lock);
	return n;
}

void shim_alloc_dump_live(FILE *out)
{
	struct shim_alloc_hdr *h;
	int shown = 0;

	pthread_mutex_lock(&shim_alloc_lock);
	for (h = shim_live.next; h != &shim_live; h = h->next) {
		if (shown++ == 20) {
			fprintf(out, "  ...\n");
			break;
		}
		fprintf(out, "  live %s of %zu bytes from %s:%d\n",
			h->kind == SHIM_SLAB ? h->cache->name : shim_kind_name[h->kind],
			h->size, h->file, h->line);
	}
	pthread_mutex_unlock(&shim_alloc_lock);
}

char *shim_kstrdup(const char *s, gfp_t gfp, const char *file, int line)
{
	return s ? shim_kmemdup(s, strlen(s) + 1, gfp, file, line) : NULL;
}

char *shim_kstrndup(const char *s, size_t max, gfp_t gfp, const char *file,
		    int line)
{
	size_t len;
	char *p;

	if (!s)
		return NULL;
	len = strnlen(s, max);
	p = shim_alloc(SHIM_KMALLOC, len + 1, gfp, NULL, file, line);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

void *shim_kmemdup(const void *src, size_t len, gfp_t gfp, const char *file,
		   int line)
{
	void *p = shim_alloc(SHIM_KMALLOC, len, gfp, NULL, file, line);

	if (p && len)
		memcpy(p, src, len);
	return p;
}

ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len;

	if (!size)
		return -E2BIG;
	len = strnlen(src, size);
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return (ssize_t)len;
}
