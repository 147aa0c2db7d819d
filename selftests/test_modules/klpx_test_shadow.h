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
