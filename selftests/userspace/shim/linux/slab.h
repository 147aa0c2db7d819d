/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/slab.h> and the kvmalloc family.
 *
 * Every allocation goes through the shim, which counts what is live per
 * kind, remembers the call site, checks that blocking allocations happen
 * where sleeping is allowed, checks that memory is freed with the
 * function matching its allocator, and fails allocations on demand.
 */
#ifndef _SHIM_LINUX_SLAB_H
#define _SHIM_LINUX_SLAB_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/overflow.h>
#include <linux/kernel.h>
#include <shim.h>

/* the largest kmalloc(), as on x86-64 with SLUB; shim/alloc.c agrees */
#define KMALLOC_MAX_SIZE	(4UL << 20)

#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

#define SLAB_HWCACHE_ALIGN	0x00002000u
#define SLAB_PANIC		0x00040000u
#define SLAB_TYPESAFE_BY_RCU	0x00080000u
#define SLAB_ACCOUNT		0x04000000u
#define SLAB_RECLAIM_ACCOUNT	0x00020000u

struct kmem_cache;

void *shim_alloc(enum shim_alloc_kind kind, size_t size, gfp_t gfp,
		 struct kmem_cache *cache, const char *file, int line);
void shim_free(enum shim_alloc_kind kind, const void *ptr,
	       struct kmem_cache *cache, const char *file, int line);

struct kmem_cache *shim_kmem_cache_create(const char *name, size_t size,
					  size_t align, slab_flags_t flags,
					  void (*ctor)(void *),
					  const char *file, int line);
void kmem_cache_destroy(struct kmem_cache *cache);

#define kmalloc(size, gfp) \
	shim_alloc(SHIM_KMALLOC, size, gfp, NULL, __FILE__, __LINE__)
#define kzalloc(size, gfp)		kmalloc(size, (gfp) | __GFP_ZERO)
#define kmalloc_array(n, size, gfp)	kmalloc(size_mul(n, size), gfp)
#define kcalloc(n, size, gfp)		kzalloc(size_mul(n, size), gfp)
#define kfree(ptr)	shim_free(SHIM_KMALLOC, ptr, NULL, __FILE__, __LINE__)
#define kfree_sensitive(ptr)		kfree(ptr)

#define kvmalloc(size, gfp) \
	shim_alloc(SHIM_KVMALLOC, size, gfp, NULL, __FILE__, __LINE__)
#define kvzalloc(size, gfp)		kvmalloc(size, (gfp) | __GFP_ZERO)
#define kvmalloc_array(n, size, gfp)	kvmalloc(size_mul(n, size), gfp)
#define kvcalloc(n, size, gfp)		kvzalloc(size_mul(n, size), gfp)
#define kvfree(ptr)	shim_free(SHIM_KVMALLOC, ptr, NULL, __FILE__, __LINE__)

#define kmem_cache_create(name, size, align, flags, ctor) \
	shim_kmem_cache_create(name, size, align, flags, ctor, __FILE__, __LINE__)
#define KMEM_CACHE(s, flags) \
	kmem_cache_create(#s, sizeof(struct s), __alignof__(struct s), flags, NULL)
#define kmem_cache_alloc(c, gfp) \
	shim_alloc(SHIM_SLAB, 0, gfp, c, __FILE__, __LINE__)
#define kmem_cache_zalloc(c, gfp)	kmem_cache_alloc(c, (gfp) | __GFP_ZERO)
#define kmem_cache_free(c, ptr) \
	shim_free(SHIM_SLAB, ptr, c, __FILE__, __LINE__)

char *shim_kstrdup(const char *s, gfp_t gfp, const char *file, int line);
char *shim_kstrndup(const char *s, size_t max, gfp_t gfp, const char *file,
		    int line);
void *shim_kmemdup(const void *src, size_t len, gfp_t gfp, const char *file,
		   int line);
#define kstrdup(s, gfp)		shim_kstrdup(s, gfp, __FILE__, __LINE__)
#define kstrndup(s, max, gfp)	shim_kstrndup(s, max, gfp, __FILE__, __LINE__)
#define kmemdup(src, len, gfp)	shim_kmemdup(src, len, gfp, __FILE__, __LINE__)
#define kfree_const(ptr)	kfree(ptr)

#endif /* _SHIM_LINUX_SLAB_H */
