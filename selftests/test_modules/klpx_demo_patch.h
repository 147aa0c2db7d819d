/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of the demo's cumulative live patches (DEMO_VERSION 1..4), each
 * an atomic replace of klpx_demo_accounts:
 *
 *  - account_lock (unless DEMO_NO_LOCK, i.e. v3): a spinlock attached to
 *    each account as a shadow variable, taken around the deposit;
 *  - deposit_count: a global shadow variable (on NULL) counting the
 *    deposits made under the patches;
 *  - from v2 on (DEMO_REFUSE_NEGATIVE), negative deposits are refused;
 *  - in v5 (DEMO_KPTR_GUARD), a state: kptr_guard raises the sysctl
 *    kernel.kptr_restrict to 1 in its setup and puts the value it found
 *    back in its release.
 *
 * All versions declare the same ids: the state is handed over from one to
 * the next.  v3 leaves account_lock out, so the locks are destroyed when
 * it replaces v2; v4 brings the id back and starts with no lock at all.
 * v6 leaves kptr_guard out: replacing v5, it has v5's release run.
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

#ifdef DEMO_KPTR_GUARD
/* The sysctl kernel.kptr_restrict: lib/vsprintf.c does not export it. */
extern int kptr_restrict;
KLPX_SYMBOLS(vmlinux, KLPX_SYMPOS(kptr_restrict, 0));

/* What the dtor of kptr_guard's variable hands to the release after it. */
static int kptr_restrict_found;

/*
 * The id's first registration: raise the setting, and keep the value
 * found in a variable of the id on NULL, which a later version carrying
 * kptr_guard would inherit with the id.
 */
static int kptr_guard_setup(struct klpx_shadow_type *type)
{
	int *found = klpx_shadow_alloc(NULL, type, GFP_KERNEL, NULL);

	if (!found)
		return -ENOMEM;
	*found = READ_ONCE(kptr_restrict);
	WRITE_ONCE(kptr_restrict, 1);
	pr_info("setup of %s: kernel.kptr_restrict %d -> 1\n", type->name,
		*found);
	return 0;
}

/* Garbage collection runs the dtor just before the release. */
static void kptr_guard_dtor(void *obj, void *data)
{
	kptr_restrict_found = *(int *)data;
}

/* The last registration went, after the switch: put the setting back. */
static void kptr_guard_release(struct klpx_shadow_type *type)
{
	WRITE_ONCE(kptr_restrict, kptr_restrict_found);
	pr_info("release of %s: kernel.kptr_restrict back to %d\n",
		type->name, kptr_restrict_found);
}

static struct klpx_shadow_type kptr_guard = {
	.id = 0x6b706403,
	.name = "kptr_guard",
	.size = sizeof(int),
	.dtor = kptr_guard_dtor,
	.setup = kptr_guard_setup,
	.release = kptr_guard_release,
	.version = 1,
};
#endif

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
#ifdef DEMO_KPTR_GUARD
	&kptr_guard,
#endif
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
