/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of the demo's cumulative live patches (DEMO_VERSION 1..4), each
 * an atomic replace of klpx_demo_accounts:
 *
 *  - account_lock (unless DEMO_NO_LOCK, i.e. v3): a spinlock attached to
 *    each account as a shadow variable, taken around the deposit;
 *  - deposit_count: a global shadow variable (on NULL) counting the
 *    deposits made under the patches;
 *  - from v2 on (DEMO_REFUSE_NEGATIVE), negative deposits are refused.
 *
 * All versions declare the same ids: the state is handed over from one to
 * the next.  v3 leaves account_lock out, so the locks are destroyed when
 * it replaces v2; v4 brings the id back and starts with no lock at all.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include "klpx_demo.h"

static struct klpx_shadow_type deposit_count = {
	.id = 0x6b706402,
	.name = "deposit_count",
	.size = sizeof(atomic_long_t),
};

#ifndef DEMO_NO_LOCK
/* Runs under the id's own lock, before the variable is visible. */
static int account_lock_ctor(void *obj, void *data, void *ctor_data)
{
	spinlock_t *lock = data;

	spin_lock_init(lock);
	return 0;
}

static void account_lock_dtor(void *obj, void *data)
{
	struct klpx_demo_account *account = obj;

	pr_info("account %d: its lock is destroyed by v%d's destructor\n",
		account->id, DEMO_VERSION);
}

static struct klpx_shadow_type account_lock = {
	.id = 0x6b706401,
	.name = "account_lock",
	.size = sizeof(spinlock_t),
	.ctor = account_lock_ctor,
	.dtor = account_lock_dtor,
};
#endif

static struct klpx_shadow_type *demo_types[] = {
#ifndef DEMO_NO_LOCK
	&account_lock,
#endif
	&deposit_count,
	NULL,
};

static long demo_deposit(struct klpx_demo_account *account, long amount)
{
	atomic_long_t *count;
	long balance;
#ifndef DEMO_NO_LOCK
	spinlock_t *lock;
#endif

#ifdef DEMO_REFUSE_NEGATIVE
	if (amount < 0) {
		pr_info("account %d: refusing a negative deposit\n",
			account->id);
		return account->balance;
	}
#endif
#ifndef DEMO_NO_LOCK
	lock = klpx_shadow_get_or_alloc(account, &account_lock, GFP_KERNEL,
					NULL);
	if (lock)
		spin_lock(lock);
#endif
	account->balance += amount;
	balance = account->balance;
#ifndef DEMO_NO_LOCK
	if (lock)
		spin_unlock(lock);
#endif
	count = klpx_shadow_get_or_alloc(NULL, &deposit_count, GFP_KERNEL,
					 NULL);
	if (count)
		atomic_long_inc(count);
	return balance;
}

static const char *demo_deposit_code(void)
{
	return DEMO_CODE;
}

#ifndef DEMO_NO_LOCK
/* Before the switch: say how many locks are already there. */
static int demo_pre_patch(struct klpx_object *obj)
{
	pr_info("v%d finds %zu account lock(s) already in place\n",
		DEMO_VERSION, klpx_shadow_count(&account_lock));
	return 0;
}
#endif

static struct klpx_func demo_funcs[] = {
	{
		.old_name = "klpx_demo_deposit",
		.new_func = demo_deposit,
	}, {
		.old_name = "klpx_demo_deposit_code",
		.new_func = demo_deposit_code,
	}, { }
};

static struct klpx_object demo_objs[] = {
	{
		.name = "klpx_demo_accounts",
		.funcs = demo_funcs,
		.shadow_types = demo_types,
#ifndef DEMO_NO_LOCK
		.callbacks.pre_patch = demo_pre_patch,
#endif
	}, { }
};

static struct klpx_patch demo_patch = {
	.mod = THIS_MODULE,
	.objs = demo_objs,
	.replace = true,
};

static int __init demo_init(void)
{
	return klpx_enable_patch(&demo_patch);
}

static void __exit demo_exit(void)
{
}

module_init(demo_init);
module_exit(demo_exit);
MODULE_LICENSE("GPL");
