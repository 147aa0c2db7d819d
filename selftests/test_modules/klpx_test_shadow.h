/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klpx_test_shadow.h - the body of the shadow test modules.
 *
 * Each klpx_test_shadow*.c includes this once and so becomes a module with
 * one shadow type and a command file, /sys/kernel/debug/<module>/ctl.  A
 * guest test writes commands to it and compares the kernel log with the
 * transcript it expects.  Several modules built from this body declare the
 * same id by default, which is how sharing between two patch modules is
 * shown.
 *
 * Objects are named by numbers: obj0 is NULL (global state), objN is a
 * fixed address, the same in every module (klpx never dereferences the
 * object a variable is attached to, it only keys on its address).  Objects
 * below KLPX_TEST_NAMED are logged one by one; higher numbers are for bulk
 * commands and are only counted.  Variables are logged as varN, numbered in
 * the order this module first sees them, never as raw addresses.
 *
 * Commands (one per write; N, A, B, V, T are decimal):
 *   alloc N V		klpx_shadow_alloc(objN), the ctor stores V
 *   alloc_fail N	klpx_shadow_alloc(objN) with a ctor that fails
 *   get_or_alloc N V	klpx_shadow_get_or_alloc(objN), ctor stores V
 *   get N		klpx_shadow_get(objN)
 *   free N		klpx_shadow_free(objN)
 *   free_all		klpx_shadow_free_all()
 *   count		klpx_shadow_count()
 *   atomic N V		get_or_alloc(GFP_ATOMIC) then get, IRQs off
 *   fill A B		alloc objA..objB-1, each storing its own number
 *   verify A B		get objA..objB-1, check each holds its number
 *   race A B T		T threads get_or_alloc objA..objB-1 at once
 *   readers A B T	T threads get objA..objB-1 in a loop, under
 *			rcu_read_lock(), checking each value, until...
 *   readers_stop	...this, which logs how many values were wrong
 *   register		klpx_shadow_register()
 *   unregister		klpx_shadow_unregister()
 * and, in modules that define KLPX_TEST_SHADOW_KLP, the kernel's own
 * shadow variables with the same numeric id:
 *   klp_alloc N V, klp_get N, klp_free N, klp_free_all
 *
 * Reading the file gives the readers' counters: "hits=H misses=M wrong=W".
 *
 * Parameters: id, name, size (of the type), register_type (register it at
 * load; default yes).
 */
#ifndef _KLPX_TEST_SHADOW_H
#define _KLPX_TEST_SHADOW_H

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

#include "klpx_test_shadow_threads.h"

#ifdef KLPX_TEST_SHADOW_KLP
static int klpx_test_klp_ctor(void *obj, void *shadow_data, void *ctor_data)
{
	*(unsigned long *)shadow_data = *(unsigned long *)ctor_data;
	return 0;
}

static void klpx_test_klp_dtor(void *obj, void *shadow_data)
{
	pr_info("klp dtor obj%lu: value=%lu\n", klpx_test_obj_nr(obj),
		*(unsigned long *)shadow_data);
}

static void klpx_test_klp_show(const char *what, unsigned long nr,
			       unsigned long *data)
{
	if (data)
		pr_info("%s obj%lu = value=%lu\n", what, nr, *data);
	else
		pr_info("%s obj%lu = NULL\n", what, nr);
}
#endif

/* Runs one command; returns 0 or -EINVAL for one it does not know. */
static int __klpx_test_command(char *line)
{
	struct klpx_test_ctor_arg arg = {};
	unsigned long x = 0, y = 0, z = 0;
	char cmd[24];
	void *obj;
	int n;

	n = sscanf(line, "%23s %lu %lu %lu", cmd, &x, &y, &z);
	if (n < 1)
		return -EINVAL;
	obj = klpx_test_obj(x);

	if (!strcmp(cmd, "alloc") && n == 3) {
		arg.value = y;
		__klpx_test_show("alloc", x,
				 klpx_shadow_alloc(obj, &klpx_test_type,
						   GFP_KERNEL, &arg));
	} else if (!strcmp(cmd, "alloc_fail") && n == 2) {
		arg.ret = -EIO;
		__klpx_test_show("alloc", x,
				 klpx_shadow_alloc(obj, &klpx_test_type,
						   GFP_KERNEL, &arg));
	} else if (!strcmp(cmd, "get_or_alloc") && n == 3) {
		arg.value = y;
		__klpx_test_show("get_or_alloc", x,
				 klpx_shadow_get_or_alloc(obj, &klpx_test_type,
							  GFP_KERNEL, &arg));
	} else if (!strcmp(cmd, "get") && n == 2) {
		__klpx_test_show("get", x, klpx_shadow_get(obj, &klpx_test_type));
	} else if (!strcmp(cmd, "free") && n == 2) {
		void *data = klpx_shadow_get(obj, &klpx_test_type);

		klpx_shadow_free(obj, &klpx_test_type);
		if (data)
			__klpx_test_forget(data);
		pr_info("free obj%lu\n", x);
		__klpx_test_report_dtors("free");
	} else if (!strcmp(cmd, "free_all") && n == 1) {
		klpx_shadow_free_all(&klpx_test_type);
		memset(klpx_test_labels, 0, sizeof(klpx_test_labels));
		pr_info("free_all\n");
		__klpx_test_report_dtors("free_all");
	} else if (!strcmp(cmd, "count") && n == 1) {
		pr_info("count = %zu\n", klpx_shadow_count(&klpx_test_type));
	} else if (!strcmp(cmd, "atomic") && n == 3) {
		__klpx_test_atomic(x, y);
	} else if (!strcmp(cmd, "fill") && n == 3 && x < y) {
		__klpx_test_fill(x, y);
	} else if (!strcmp(cmd, "verify") && n == 3 && x < y) {
		__klpx_test_verify(x, y);
	} else if (!strcmp(cmd, "race") && n == 4) {
		return __klpx_test_race(x, y, z);
	} else if (!strcmp(cmd, "readers") && n == 4) {
		return __klpx_test_readers_start(x, y, z);
	} else if (!strcmp(cmd, "readers_stop") && n == 1) {
		__klpx_test_readers_stop();
		pr_info("readers stopped: %ld wrong values\n",
			atomic_long_read(&klpx_test_wrong));
	} else if (!strcmp(cmd, "register") && n == 1) {
		klpx_test_register();
	} else if (!strcmp(cmd, "unregister") && n == 1) {
		klpx_test_unregister();
		pr_info("unregister %s id=%#lx\n", klpx_test_type.name,
			klpx_test_type.id);
		__klpx_test_report_dtors("unregister");
#ifdef KLPX_TEST_SHADOW_KLP
	} else if (!strcmp(cmd, "klp_alloc") && n == 3) {
		klpx_test_klp_show("klp_alloc", x,
				   klp_shadow_alloc(obj, id, sizeof(unsigned long),
						    GFP_KERNEL, klpx_test_klp_ctor,
						    &y));
	} else if (!strcmp(cmd, "klp_get") && n == 2) {
		klpx_test_klp_show("klp_get", x, klp_shadow_get(obj, id));
	} else if (!strcmp(cmd, "klp_free") && n == 2) {
		pr_info("klp_free obj%lu\n", x);
		klp_shadow_free(obj, id, klpx_test_klp_dtor);
	} else if (!strcmp(cmd, "klp_free_all") && n == 1) {
		pr_info("klp_free_all\n");
		klp_shadow_free_all(id, klpx_test_klp_dtor);
#endif
	} else {
		return -EINVAL;
	}
	return 0;
}

static ssize_t klpx_test_ctl_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	char *line;
	int ret;

	if (len > 128)
		return -EINVAL;
	line = memdup_user_nul(ubuf, len);
	if (IS_ERR(line))
		return PTR_ERR(line);
	mutex_lock(&klpx_test_mutex);
	ret = __klpx_test_command(strim(line));
	mutex_unlock(&klpx_test_mutex);
	kfree(line);
	return ret ? ret : len;
}

static ssize_t klpx_test_ctl_read(struct file *file, char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	char buf[96];
	int n;

	n = scnprintf(buf, sizeof(buf), "hits=%ld misses=%ld wrong=%ld\n",
		      atomic_long_read(&klpx_test_hits),
		      atomic_long_read(&klpx_test_misses),
		      atomic_long_read(&klpx_test_wrong));
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations klpx_test_ctl_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= klpx_test_ctl_read,
	.write	= klpx_test_ctl_write,
	.llseek	= default_llseek,
};

static int __init klpx_test_shadow_init(void)
{
	int ret;

	if (size && size < sizeof(struct klpx_test_var)) {
		pr_err("size must be 0 or at least %zu\n",
		       sizeof(struct klpx_test_var));
		return -EINVAL;
	}
	klpx_test_sized = size;
	klpx_test_type.id = id;
	klpx_test_type.name = name;
	klpx_test_type.size = size;

	if (register_type) {
		ret = klpx_test_register();
		if (ret)
			return ret;
	}
	klpx_test_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ctl", 0600, klpx_test_dir, NULL,
			    &klpx_test_ctl_fops);
	return 0;
}

static void __exit klpx_test_shadow_exit(void)
{
	debugfs_remove_recursive(klpx_test_dir);
	__klpx_test_readers_stop();
	if (klpx_test_registered) {
		pr_info("exit: count=%zu, unregistering\n",
			klpx_shadow_count(&klpx_test_type));
		klpx_test_unregister();
		__klpx_test_report_dtors("exit");
	}
#ifdef KLPX_TEST_SHADOW_KLP
	klp_shadow_free_all(id, klpx_test_klp_dtor);
#endif
	pr_info("exit: ctor calls=%ld, dtor calls=%ld\n",
		atomic_long_read(&klpx_test_ctor_calls),
		atomic_long_read(&klpx_test_dtor_calls));
}

module_init(klpx_test_shadow_init);
module_exit(klpx_test_shadow_exit);
MODULE_LICENSE("GPL");

#endif /* _KLPX_TEST_SHADOW_H */
