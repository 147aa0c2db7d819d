// SPDX-License-Identifier: GPL-2.0
/*
 * direct.c - the direct path: ftrace calls klpx_direct_stub from a
 * function's fentry site, the stub sends the call on (core/direct.h,
 * core/direct_stub.S).
 *
 * Here: the table the stub reads, and the direct ftrace_ops.  Both
 * kernels give every address of a direct ops the same target, so one stub
 * serves every function and finds the function in the table by the
 * return address the site's call pushed.  A direct ops cannot gain
 * addresses once registered: each batch of addresses gets one.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "compat.h"
#include "core.h"
#include "direct.h"

static_assert(KLPX_DIRECT_SLOTS == 1 << KLPX_DIRECT_BITS);

static bool direct = true;
module_param(direct, bool, 0644);
MODULE_PARM_DESC(direct, "redirect new patches' functions with direct calls from their fentry sites where ftrace allows it (default: on; off: always the IPMODIFY handler)");

/*
 * Read by klpx_direct_stub without locks; entries are claimed and freed
 * under klpx_mutex, their targets written inside the switch's step.
 */
struct klpx_direct_slot klpx_direct_table[KLPX_DIRECT_SLOTS]
	__aligned(64);

/**
 * klpx_direct_wanted() - should new sites try the direct path?
 *
 * Context: any.
 * Return: true when the kernel has direct calls and the "direct" module
 * parameter is set.
 */
bool klpx_direct_wanted(void)
{
	return KLPX_HAVE_DIRECT && READ_ONCE(direct);
}

static unsigned int klpx_direct_hash(unsigned long ret)
{
	return (unsigned int)((ret * KLPX_DIRECT_GOLDEN) >>
			      (64 - KLPX_DIRECT_BITS));
}

/**
 * klpx_direct_slot_get() - claim the table entry of an fentry site
 * @ip:		the ftrace location of a function not on the direct path
 *
 * The entry sends calls to the original until klpx_direct_set() says
 * otherwise.  Claimed before ftrace calls the stub from @ip, so the stub
 * always finds it.
 *
 * Context: klpx_mutex held.
 * Return: the entry, or NULL when the table is full.
 */
struct klpx_direct_slot *klpx_direct_slot_get(unsigned long ip)
{
	unsigned long ret = ip + MCOUNT_INSN_SIZE;
	unsigned int i, h = klpx_direct_hash(ret);
	struct klpx_direct_slot *slot;

	lockdep_assert_held(&klpx_mutex);

	for (i = 0; i < KLPX_DIRECT_SLOTS; i++) {
		slot = &klpx_direct_table[(h + i) % KLPX_DIRECT_SLOTS];
		if (slot->ret && slot->ret != KLPX_DIRECT_FREED)
			continue;
		WRITE_ONCE(slot->target, 0);
		/* A probe for another key only compares it. */
		smp_store_release(&slot->ret, ret);
		return slot;
	}
	return NULL;
}

/**
 * klpx_direct_slot_put() - free a table entry
 * @slot:	an entry of klpx_direct_slot_get()
 *
 * Its key becomes KLPX_DIRECT_FREED, which probes for other keys go past.
 *
 * Context: klpx_mutex held; the stub can no longer be called for @slot's
 * site (its direct ops is unregistered).
 */
void klpx_direct_slot_put(struct klpx_direct_slot *slot)
{
	lockdep_assert_held(&klpx_mutex);
	WRITE_ONCE(slot->target, 0);
	WRITE_ONCE(slot->ret, KLPX_DIRECT_FREED);
}

/**
 * klpx_direct_set() - where the stub sends a site's calls from now on
 * @slot:	the site's entry
 * @target:	an implementation, or NULL for the original
 *
 * Context: inside stop_machine(), on behalf of a klpx_mutex holder; does
 * not sleep, take locks or call into ftrace.
 */
void klpx_direct_set(struct klpx_direct_slot *slot, void *target)
{
	WRITE_ONCE(slot->target, (unsigned long)target);
}

/**
 * klpx_direct_register() - make sites call the stub
 * @ips:	ftrace locations, each with a claimed table entry
 * @n:		number of @ips
 *
 * The ops is not PERMANENT (the kernels' direct registration sets its
 * flags itself, and klpx changes no flag of a registered ops): klpx's
 * IPMODIFY ops, registered and PERMANENT before the first direct ops and
 * until the last is gone, keeps ftrace enabled for both.  ftrace waits
 * for RCU-tasks when it unregisters the ops (core/compat.h).
 *
 * Context: klpx_mutex held; sleeps.
 * Return: the registered ops, or an ERR_PTR(): -EBUSY when another direct
 * or IPMODIFY user holds one of @ips, -ENOMEM, -EOPNOTSUPP without direct
 * calls, or another errno of ftrace.
 */
struct ftrace_ops *klpx_direct_register(unsigned long *ips, unsigned int n)
{
	struct ftrace_ops *fops;
	int ret;

	if (!KLPX_HAVE_DIRECT)
		return ERR_PTR(-EOPNOTSUPP);
	fops = kzalloc(sizeof(*fops), GFP_KERNEL);
	if (!fops)
		return ERR_PTR(-ENOMEM);
	ret = ftrace_set_filter_ips(fops, ips, n, 0, 0);
	if (ret)
		goto err_free;
	ret = klpx_register_direct(fops, (unsigned long)klpx_direct_stub);
	if (ret)
		goto err_filter;
	return fops;

err_filter:
	ftrace_free_filter(fops);
err_free:
	kfree(fops);
	return ERR_PTR(ret);
}

/**
 * klpx_direct_unregister() - the sites of a direct ops call nothing again
 * @fops:	an ops of klpx_direct_register()
 *
 * From now on no call enters the stub from the ops's sites, and ftrace
 * has waited for the tasks still on their way in: @fops may be freed and
 * its sites' table entries reused.  When ftrace refuses, the ops (and
 * klpx.ko with it) stays for good.
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0, or ftrace's errno (logged).
 */
int klpx_direct_unregister(struct ftrace_ops *fops)
{
	int ret;

	ret = klpx_unregister_direct(fops, (unsigned long)klpx_direct_stub);
	if (ret) {
		pr_err("cannot unregister a direct ftrace_ops: %pe; klpx.ko stays loaded\n",
		       ERR_PTR(ret));
		__module_get(THIS_MODULE);
	}
	return ret;
}
