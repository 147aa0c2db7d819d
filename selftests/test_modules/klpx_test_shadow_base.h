/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klpx_test_shadow_base.h - the ground of the shadow test modules' body
 * (klpx_test_shadow.h): the module's parameters and shadow type, objects
 * by number, variables by label, the ctor and dtor that log, and the
 * commands run by the writer itself.
 */
#ifndef _KLPX_TEST_SHADOW_BASE_H
#define _KLPX_TEST_SHADOW_BASE_H

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/klpx.h>
#ifdef KLPX_TEST_SHADOW_KLP
#include <linux/livepatch.h>
#endif

/* Objects below this number are logged one by one. */
#define KLPX_TEST_NAMED		64
/* Variables labelled varN at most. */
#define KLPX_TEST_LABELS	64
#define KLPX_TEST_MAX_THREADS	8
/* Where objN lives: any address will do, it is only a key. */
#define KLPX_TEST_OBJ_BASE	0xffffc90000100000UL

/* What a variable of the test type holds. */
struct klpx_test_var {
	unsigned long value;
	unsigned long obj_nr;
};

/* What alloc hands to the ctor. */
struct klpx_test_ctor_arg {
	unsigned long value;
	int ret;
};

static unsigned long id = 0x6b6c7078;
module_param(id, ulong, 0444);
MODULE_PARM_DESC(id, "id of the shadow type");

static char *name = "klpx_test_var";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "name of the shadow type");

static ulong size = sizeof(struct klpx_test_var);
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size, "bytes per variable: 0, or at least 16 to hold a value");

static bool register_type = true;
module_param(register_type, bool, 0444);
MODULE_PARM_DESC(register_type, "register the shadow type when loaded");

static int klpx_test_ctor(void *obj, void *shadow_data, void *ctor_data);
static void klpx_test_dtor(void *obj, void *shadow_data);

static struct klpx_shadow_type klpx_test_type = {
	.ctor = klpx_test_ctor,
	.dtor = klpx_test_dtor,
};

static bool klpx_test_registered;
/* Variables have room for a struct klpx_test_var (else size is 0). */
static bool klpx_test_sized;

/* Serialises commands (and so the registration); guards the labels. */
static DEFINE_MUTEX(klpx_test_mutex);
static const void *klpx_test_labels[KLPX_TEST_LABELS];
static unsigned int klpx_test_next_label;

static atomic_long_t klpx_test_ctor_calls;
static atomic_long_t klpx_test_dtor_calls;
/* Set by the dtor for named objects: reported after the command. */
static DECLARE_BITMAP(klpx_test_dtor_seen, KLPX_TEST_NAMED);
static unsigned long klpx_test_dtor_value[KLPX_TEST_NAMED];
/* The dtor runs under klpx's lock with IRQs off: guards the two above. */
static DEFINE_SPINLOCK(klpx_test_dtor_lock);

static struct dentry *klpx_test_dir;

static void *klpx_test_obj(unsigned long nr)
{
	return nr ? (void *)(KLPX_TEST_OBJ_BASE + nr * sizeof(long)) : NULL;
}

static unsigned long klpx_test_obj_nr(const void *obj)
{
	return obj ? ((unsigned long)obj - KLPX_TEST_OBJ_BASE) / sizeof(long) : 0;
}

/* "varN" for a data pointer; a pointer never seen gets the next N. */
static int __klpx_test_label(const void *data)
{
	unsigned int i;

	for (i = 0; i < KLPX_TEST_LABELS; i++)
		if (klpx_test_labels[i] == data)
			return i + 1;
	if (klpx_test_next_label >= KLPX_TEST_LABELS)
		return 0;
	klpx_test_labels[klpx_test_next_label] = data;
	return ++klpx_test_next_label;
}

/* A destroyed variable's label must not name a new one at that address. */
static void __klpx_test_forget(const void *data)
{
	unsigned int i;

	for (i = 0; i < KLPX_TEST_LABELS; i++)
		if (klpx_test_labels[i] == data)
			klpx_test_labels[i] = NULL;
}

static int klpx_test_ctor(void *obj, void *shadow_data, void *ctor_data)
{
	struct klpx_test_ctor_arg *arg = ctor_data;
	struct klpx_test_var *var = shadow_data;
	unsigned long nr = klpx_test_obj_nr(obj);

	atomic_long_inc(&klpx_test_ctor_calls);
	if (arg && arg->ret) {
		if (nr < KLPX_TEST_NAMED)
			pr_info("ctor obj%lu: failing with %d\n", nr, arg->ret);
		return arg->ret;
	}
	if (!klpx_test_sized) {
		if (nr < KLPX_TEST_NAMED)
			pr_info("ctor obj%lu: no data\n", nr);
		return 0;
	}
	var->value = arg ? arg->value : 0;
	var->obj_nr = nr;
	if (nr < KLPX_TEST_NAMED)
		pr_info("ctor obj%lu: value=%lu\n", nr, var->value);
	return 0;
}

static void klpx_test_dtor(void *obj, void *shadow_data)
{
	struct klpx_test_var *var = shadow_data;
	unsigned long nr = klpx_test_obj_nr(obj);
	unsigned long flags;

	atomic_long_inc(&klpx_test_dtor_calls);
	if (nr >= KLPX_TEST_NAMED)
		return;
	spin_lock_irqsave(&klpx_test_dtor_lock, flags);
	if (test_and_set_bit(nr, klpx_test_dtor_seen))
		klpx_test_dtor_value[nr] = ULONG_MAX;	/* twice: shows as -1 */
	else
		klpx_test_dtor_value[nr] = klpx_test_sized ? var->value : 0;
	spin_unlock_irqrestore(&klpx_test_dtor_lock, flags);
}

/* Log the dtor calls on named objects since the last report, by object. */
static void __klpx_test_report_dtors(const char *what)
{
	char buf[256];
	unsigned long flags, nr;
	int len = 0;

	spin_lock_irqsave(&klpx_test_dtor_lock, flags);
	for_each_set_bit(nr, klpx_test_dtor_seen, KLPX_TEST_NAMED) {
		if (len < sizeof(buf))
			len += scnprintf(buf + len, sizeof(buf) - len, " obj%lu=%ld",
					 nr, (long)klpx_test_dtor_value[nr]);
	}
	bitmap_zero(klpx_test_dtor_seen, KLPX_TEST_NAMED);
	spin_unlock_irqrestore(&klpx_test_dtor_lock, flags);

	if (len)
		pr_info("%s: dtor%s\n", what, buf);
}

static void __klpx_test_show(const char *what, unsigned long nr, void *data)
{
	struct klpx_test_var *var = data;

	if (!data) {
		pr_info("%s obj%lu = NULL\n", what, nr);
		return;
	}
	if (!klpx_test_sized) {
		pr_info("%s obj%lu = var%d\n", what, nr, __klpx_test_label(data));
		return;
	}
	pr_info("%s obj%lu = var%d value=%lu\n", what, nr,
		__klpx_test_label(data), var->value);
}

static int klpx_test_register(void)
{
	int ret;

	ret = klpx_shadow_register(&klpx_test_type);
	if (ret) {
		pr_info("register %s id=%#lx size=%zu: error %d\n",
			klpx_test_type.name, klpx_test_type.id,
			klpx_test_type.size, ret);
		return ret;
	}
	klpx_test_registered = true;
	pr_info("register %s id=%#lx size=%zu: count=%zu\n",
		klpx_test_type.name, klpx_test_type.id, klpx_test_type.size,
		klpx_shadow_count(&klpx_test_type));
	return 0;
}

static void klpx_test_unregister(void)
{
	unsigned int i;

	klpx_shadow_unregister(&klpx_test_type);
	klpx_test_registered = false;
	/* Variables may be gone: no label may outlive them. */
	for (i = 0; i < KLPX_TEST_LABELS; i++)
		klpx_test_labels[i] = NULL;
}

/* fill A B: alloc objA..objB-1, each holding its own number. */
static void __klpx_test_fill(unsigned long a, unsigned long b)
{
	struct klpx_test_ctor_arg arg = {};
	unsigned long nr, done = 0;

	for (nr = a; nr < b; nr++) {
		arg.value = nr;
		if (klpx_shadow_alloc(klpx_test_obj(nr), &klpx_test_type,
				      GFP_KERNEL, &arg))
			done++;
		cond_resched();
	}
	pr_info("fill obj%lu..obj%lu: %lu allocated, count=%zu\n", a, b - 1,
		done, klpx_shadow_count(&klpx_test_type));
}

/* verify A B: every objA..objB-1 has its variable, holding its number. */
static void __klpx_test_verify(unsigned long a, unsigned long b)
{
	struct klpx_test_var *var;
	unsigned long nr, found = 0, wrong = 0;

	for (nr = a; nr < b; nr++) {
		var = klpx_shadow_get(klpx_test_obj(nr), &klpx_test_type);
		if (!var)
			continue;
		found++;
		if (klpx_test_sized && (var->value != nr || var->obj_nr != nr))
			wrong++;
	}
	pr_info("verify obj%lu..obj%lu: %lu found, %lu wrong\n", a, b - 1,
		found, wrong);
}

/* atomic N V: find-or-create and look up with IRQs off, GFP_ATOMIC. */
static void __klpx_test_atomic(unsigned long nr, unsigned long value)
{
	struct klpx_test_ctor_arg arg = { .value = value };
	void *obj = klpx_test_obj(nr), *data, *again;
	unsigned long flags;

	local_irq_save(flags);
	data = klpx_shadow_get_or_alloc(obj, &klpx_test_type, GFP_ATOMIC, &arg);
	again = klpx_shadow_get(obj, &klpx_test_type);
	local_irq_restore(flags);

	__klpx_test_show("atomic get_or_alloc", nr, data);
	pr_info("atomic get obj%lu: %s\n", nr,
		again == data ? "same variable" : "DIFFERENT variable");
}

#endif /* _KLPX_TEST_SHADOW_BASE_H */
