/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sites of core/redirect.c, shared with core/fops.c, the ops path.
 * Everything here is guarded by klpx_mutex, but for klpx_site_hash, which
 * the ops path's handler reads under RCU.
 */
#ifndef _KLPX_CORE_SITE_H
#define _KLPX_CORE_SITE_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include "core.h"

struct klpx_group;
struct klpx_direct_slot;

/**
 * struct klpx_site - one patched address
 * @hnode:	entry in klpx_site_hash, read by the handler under RCU
 * @node:	entry in redirect.c's list of sites
 * @stack:	the functions redirecting this address
 * @func:	the function it was made for, which names it in log lines
 *		until it is hooked
 * @hooked:	@stack.ip is in klpx_fops's filter (the ops path)
 * @group:	the direct ops that hooks @stack.ip (the direct path), or NULL
 * @group_node:	entry in @group's sites, or in a list of sites waiting to
 *		be hooked
 * @slot:	the table entry the stub reads, on the direct path
 */
struct klpx_site {
	struct hlist_node hnode;
	struct list_head node;
	struct klpx_func_stack stack;
	struct klpx_func *func;
	bool hooked;
	struct klpx_group *group;
	struct list_head group_node;
	struct klpx_direct_slot *slot;
};

/* Every site by address (redirect.c). */
#define KLPX_SITE_HASH_BITS	10
extern struct hlist_head klpx_site_hash[1 << KLPX_SITE_HASH_BITS];

/* How many sites are on @sites, linked by their group_node. */
static inline unsigned int klpx_sites_count(struct list_head *sites)
{
	struct klpx_site *site;
	unsigned int n = 0;

	list_for_each_entry(site, sites, group_node)
		n++;
	return n;
}

/* fops.c: klpx's IPMODIFY ftrace_ops, the ops path */
int klpx_fops_get(struct klpx_func *func);
int klpx_fops_hook(struct list_head *sites);
void klpx_fops_unhook(struct list_head *gone, unsigned int nr);
void klpx_fops_release(void);
void klpx_fops_release_later(void);
void klpx_fops_exit(void);

#endif /* _KLPX_CORE_SITE_H */
