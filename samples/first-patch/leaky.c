// SPDX-License-Identifier: GPL-2.0
/*
 * leaky - the module to fix: each widget it makes leaks a buffer.
 *
 *	echo add  > /sys/kernel/debug/leaky/ctl    make a widget
 *	echo poke > /sys/kernel/debug/leaky/ctl    use every widget
 *	echo drop > /sys/kernel/debug/leaky/ctl    free every widget
 *
 * leaky_widget_new() gives each widget a buffer and keeps no pointer to
 * it: struct leaky_widget has no field for one, so leaky_widget_free()
 * cannot free it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "leaky.h"

static LIST_HEAD(leaky_widgets);
static int leaky_last_id;
/* Guards leaky_widgets and leaky_last_id. */
static DEFINE_MUTEX(leaky_lock);
static struct dentry *leaky_dir;

/* noinline: every call goes through the function a patch replaces. */
noinline struct leaky_widget *leaky_widget_new(int id)
{
	struct leaky_widget *w;
	void *buf;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return NULL;
	buf = kmalloc(LEAKY_BUF_SIZE, GFP_KERNEL);	/* the leak */
	if (!buf) {
		kfree(w);
		return NULL;
	}
	w->id = id;
	pr_info("widget %d: made, with a buffer\n", id);
	return w;
}

noinline void leaky_widget_poke(struct leaky_widget *w)
{
	pr_info("widget %d: poked\n", w->id);
}

noinline void leaky_widget_free(struct leaky_widget *w)
{
	pr_info("widget %d: freed\n", w->id);
	kfree(w);
}

static void leaky_drop_all(void)
{
	struct leaky_widget *w, *tmp;

	list_for_each_entry_safe(w, tmp, &leaky_widgets, node) {
		list_del(&w->node);
		leaky_widget_free(w);
	}
}

static ssize_t leaky_ctl_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct leaky_widget *w;
	char cmd[8] = "";
	int ret = 0;

	if (copy_from_user(cmd, ubuf, min(count, sizeof(cmd) - 1)))
		return -EFAULT;
	strim(cmd);

	mutex_lock(&leaky_lock);
	if (!strcmp(cmd, "add")) {
		w = leaky_widget_new(leaky_last_id + 1);
		if (w) {
			list_add_tail(&w->node, &leaky_widgets);
			leaky_last_id++;
		} else {
			ret = -ENOMEM;
		}
	} else if (!strcmp(cmd, "poke")) {
		list_for_each_entry(w, &leaky_widgets, node)
			leaky_widget_poke(w);
	} else if (!strcmp(cmd, "drop")) {
		leaky_drop_all();
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&leaky_lock);
	return ret ? ret : count;
}

static const struct file_operations leaky_ctl_fops = {
	.owner = THIS_MODULE,
	.write = leaky_ctl_write,
};

static int __init leaky_init(void)
{
	leaky_dir = debugfs_create_dir("leaky", NULL);
	debugfs_create_file("ctl", 0200, leaky_dir, NULL, &leaky_ctl_fops);
	return 0;
}

static void __exit leaky_exit(void)
{
	debugfs_remove_recursive(leaky_dir);
	leaky_drop_all();
}

module_init(leaky_init);
module_exit(leaky_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("a module whose widgets leak a buffer each");
