/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/rculist.h>.  Writers publish with a
 * release store, readers follow with acquire loads; a node removed with
 * the _rcu variants keeps its forward pointer so readers standing on it
 * can move on.  The optional lockdep condition of the iterators is
 * checked like rcu_dereference_check().  hlist walks are counted (shim.h).
 */
#ifndef _SHIM_LINUX_RCULIST_H
#define _SHIM_LINUX_RCULIST_H

#include <linux/list.h>
#include <linux/rcupdate.h>

#define list_next_rcu(list)	(*((struct list_head __rcu **)(&(list)->next)))

static inline void INIT_LIST_HEAD_RCU(struct list_head *list)
{
	WRITE_ONCE(list->next, list);
	WRITE_ONCE(list->prev, list);
}

static inline void __list_link_rcu(struct list_head *new,
				   struct list_head *prev,
				   struct list_head *next)
{
	new->next = next;
	new->prev = prev;
	rcu_assign_pointer(list_next_rcu(prev), new);
	next->prev = new;
}

static inline void list_add_rcu(struct list_head *new, struct list_head *head)
{
	__list_link_rcu(new, head, head->next);
}

static inline void list_add_tail_rcu(struct list_head *new,
				     struct list_head *head)
{
	__list_link_rcu(new, head->prev, head);
}

static inline void list_del_rcu(struct list_head *entry)
{
	__list_del_entry(entry);
	entry->prev = LIST_POISON2;
}

static inline void list_del_init_rcu(struct list_head *entry)
{
	__list_del_entry(entry);
	INIT_LIST_HEAD(entry);
}

static inline void list_replace_rcu(struct list_head *old,
				    struct list_head *new)
{
	new->next = old->next;
	new->prev = old->prev;
	rcu_assign_pointer(list_next_rcu(new->prev), new);
	new->next->prev = new;
	old->prev = LIST_POISON2;
}

#define list_entry_rcu(ptr, type, member) \
	container_of(rcu_dereference_raw(ptr), type, member)
#define list_first_or_null_rcu(head, type, member) ({			\
	struct list_head *__head = (head);				\
	struct list_head *__next = rcu_dereference_raw(__head->next);	\
	__next != __head ? list_entry(__next, type, member) : NULL;	\
})
#define list_next_or_null_rcu(head, ptr, type, member) ({		\
	struct list_head *__head = (head);				\
	struct list_head *__ptr = (ptr);				\
	struct list_head *__next = rcu_dereference_raw(__ptr->next);	\
	__next != __head ? list_entry(__next, type, member) : NULL;	\
})

#define __shim_list_check_rcu(dummy, cond, ...)				\
	shim_rcu_lockdep((cond) || shim_rcu_read_lock_held(),		\
		       __FILE__, __LINE__, "RCU list traversed outside a reader")
/* counted like hlist walks (shim_hlist_walks, _nodes) */
#define list_for_each_entry_rcu(pos, head, member, cond...)		\
	for (__shim_list_check_rcu(dummy, ##cond, 0), shim_hlist_walks++, \
	     pos = list_entry_rcu((head)->next, __typeof__(*pos), member); \
	     &pos->member != (head) && (shim_hlist_visit(&(pos)->member), 1); \
	     pos = list_entry_rcu(pos->member.next, __typeof__(*pos), member))
#define list_for_each_entry_srcu(pos, head, member, cond)		\
	for (shim_rcu_lockdep(cond, __FILE__, __LINE__,			\
			    "SRCU list traversed outside a reader"),	\
	     pos = list_entry_rcu((head)->next, __typeof__(*pos), member); \
	     &pos->member != (head);					\
	     pos = list_entry_rcu(pos->member.next, __typeof__(*pos), member))

/* hash lists */

#define hlist_first_rcu(head)	(*((struct hlist_node __rcu **)(&(head)->first)))
#define hlist_next_rcu(node)	(*((struct hlist_node __rcu **)(&(node)->next)))
#define hlist_pprev_rcu(node)	(*((struct hlist_node __rcu **)((node)->pprev)))

static inline void hlist_del_rcu(struct hlist_node *n)
{
	__hlist_del(n);
	WRITE_ONCE(n->pprev, LIST_POISON2);
}

static inline void hlist_del_init_rcu(struct hlist_node *n)
{
	if (!hlist_unhashed(n)) {
		__hlist_del(n);
		WRITE_ONCE(n->pprev, NULL);
	}
}

static inline void hlist_add_head_rcu(struct hlist_node *n,
				      struct hlist_head *h)
{
	struct hlist_node *first = h->first;

	n->next = first;
	WRITE_ONCE(n->pprev, &h->first);
	rcu_assign_pointer(hlist_first_rcu(h), n);
	if (first)
		WRITE_ONCE(first->pprev, &n->next);
}

static inline void hlist_add_tail_rcu(struct hlist_node *n,
				      struct hlist_head *h)
{
	struct hlist_node *i, *last = NULL;

	for (i = h->first; i; i = i->next)
		last = i;
	if (last) {
		n->next = last->next;
		WRITE_ONCE(n->pprev, &last->next);
		rcu_assign_pointer(hlist_next_rcu(last), n);
	} else {
		hlist_add_head_rcu(n, h);
	}
}

static inline void hlist_add_before_rcu(struct hlist_node *n,
					struct hlist_node *next)
{
	WRITE_ONCE(n->pprev, next->pprev);
	n->next = next;
	rcu_assign_pointer(hlist_pprev_rcu(n), n);
	WRITE_ONCE(next->pprev, &n->next);
}

static inline void hlist_add_behind_rcu(struct hlist_node *n,
					struct hlist_node *prev)
{
	n->next = prev->next;
	WRITE_ONCE(n->pprev, &prev->next);
	rcu_assign_pointer(hlist_next_rcu(prev), n);
	if (n->next)
		WRITE_ONCE(n->next->pprev, &n->next);
}

static inline void hlist_replace_rcu(struct hlist_node *old,
				     struct hlist_node *new)
{
	struct hlist_node *next = old->next;

	new->next = next;
	WRITE_ONCE(new->pprev, old->pprev);
	rcu_assign_pointer(*(struct hlist_node __rcu **)new->pprev, new);
	if (next)
		WRITE_ONCE(new->next->pprev, &new->next);
	WRITE_ONCE(old->pprev, LIST_POISON2);
}

#define __shim_hlist_check_rcu(dummy, cond, ...)			\
	shim_rcu_lockdep((cond) || shim_rcu_read_lock_held(),		\
		       __FILE__, __LINE__, "RCU hlist traversed outside a reader")
#define hlist_for_each_entry_rcu(pos, head, member, cond...)		\
	for (__shim_hlist_check_rcu(dummy, ##cond, 0), shim_hlist_walks++, \
	     pos = hlist_entry_safe(rcu_dereference_raw(hlist_first_rcu(head)), \
				    __typeof__(*(pos)), member);	\
	     pos && (shim_hlist_visit(&(pos)->member), 1);		\
	     pos = hlist_entry_safe(rcu_dereference_raw(hlist_next_rcu(&(pos)->member)), \
				    __typeof__(*(pos)), member))
#define hlist_for_each_entry_rcu_notrace(pos, head, member, cond...)	\
	hlist_for_each_entry_rcu(pos, head, member, ##cond)
#define hlist_for_each_entry_srcu(pos, head, member, cond)		\
	for (shim_rcu_lockdep(cond, __FILE__, __LINE__,			\
			    "SRCU hlist traversed outside a reader"),	\
	     pos = hlist_entry_safe(rcu_dereference_raw(hlist_first_rcu(head)), \
				    __typeof__(*(pos)), member);	\
	     pos;							\
	     pos = hlist_entry_safe(rcu_dereference_raw(hlist_next_rcu(&(pos)->member)), \
				    __typeof__(*(pos)), member))

#endif /* _SHIM_LINUX_RCULIST_H */
