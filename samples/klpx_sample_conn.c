// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_sample_conn - a module with a bug, for the sample patches to fix.
 *
 * It keeps a list of connections, driven through debugfs:
 *
 *	echo "open 1" > /sys/kernel/debug/klpx_sample_conn/ctl
 *	echo "recv 1 100" > /sys/kernel/debug/klpx_sample_conn/ctl
 *	echo "close 1" > /sys/kernel/debug/klpx_sample_conn/ctl
 *	cat /sys/kernel/debug/klpx_sample_conn/conns
 *
 * The bug: sample_conn_alloc() allocates a receive buffer for each
 * connection and keeps no pointer to it, so closing a connection leaks
 * it.  struct sample_conn has no room for the pointer, and a live patch
 * cannot grow a structure whose instances already exist:
 * klpx_sample_conn_fix1 keeps the pointer in a shadow variable instead.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "klpx_sample_conn.h"

/* No inlining nor cloning: each call goes through the symbol a patch names. */
#define SAMPLE_FN __attribute__((__noipa__))

static LIST_HEAD(sample_conns);
static DEFINE_MUTEX(sample_conn_lock);
/* Open connections, and how many there may be (klpx_sample_syms reads both). */
static unsigned int sample_conn_nr;
static unsigned int sample_conn_limit = 16;
module_param_named(limit, sample_conn_limit, uint, 0444);
MODULE_PARM_DESC(limit, "connections that may be open at once");

static struct dentry *sample_dir;

SAMPLE_FN struct sample_conn *sample_conn_alloc(int id)
{
	struct sample_conn *conn;
	void *rxbuf;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return NULL;
	/* The bug: the buffer is used (not here) and never freed. */
	rxbuf = kmalloc(SAMPLE_CONN_RXBUF, GFP_KERNEL);
	if (!rxbuf) {
		kfree(conn);
		return NULL;
	}
	conn->id = id;
	return conn;
}

SAMPLE_FN void sample_conn_free(struct sample_conn *conn)
{
	kfree(conn);
}

SAMPLE_FN void sample_conn_recv(struct sample_conn *conn, unsigned int len)
{
	pr_info("conn %d: received %u bytes\n", conn->id, len);
}

SAMPLE_FN void sample_conn_show(struct seq_file *m, struct sample_conn *conn)
{
	seq_printf(m, "conn %d\n", conn->id);
}

SAMPLE_FN void sample_conn_summary(struct seq_file *m)
{
	seq_printf(m, "%u open\n", sample_conn_nr);
}

static struct sample_conn *sample_conn_find(int id)
{
	struct sample_conn *conn;

	list_for_each_entry(conn, &sample_conns, node)
		if (conn->id == id)
			return conn;
	return NULL;
}

static int sample_conn_open(int id)
{
	struct sample_conn *conn;

	if (sample_conn_find(id))
		return -EEXIST;
	if (sample_conn_nr >= sample_conn_limit)
		return -ENOSPC;
	conn = sample_conn_alloc(id);
	if (!conn)
		return -ENOMEM;
	list_add_tail(&conn->node, &sample_conns);
	sample_conn_nr++;
	pr_info("conn %d: open\n", id);
	return 0;
}

static int sample_conn_close(int id)
{
	struct sample_conn *conn = sample_conn_find(id);

	if (!conn)
		return -ENOENT;
	list_del(&conn->node);
	sample_conn_nr--;
	sample_conn_free(conn);
	pr_info("conn %d: closed\n", id);
	return 0;
}

static ssize_t sample_ctl_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct sample_conn *conn;
	unsigned int len;
	char buf[32];
	int id, ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	mutex_lock(&sample_conn_lock);
	if (sscanf(buf, "open %d", &id) == 1) {
		ret = sample_conn_open(id);
	} else if (sscanf(buf, "close %d", &id) == 1) {
		ret = sample_conn_close(id);
	} else if (sscanf(buf, "recv %d %u", &id, &len) == 2) {
		conn = sample_conn_find(id);
		ret = conn ? 0 : -ENOENT;
		if (conn)
			sample_conn_recv(conn, len);
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&sample_conn_lock);
	return ret ? ret : count;
}

static const struct file_operations sample_ctl_fops = {
	.owner = THIS_MODULE,
	.write = sample_ctl_write,
};

static int sample_conns_show(struct seq_file *m, void *unused)
{
	struct sample_conn *conn;

	mutex_lock(&sample_conn_lock);
	sample_conn_summary(m);
	list_for_each_entry(conn, &sample_conns, node)
		sample_conn_show(m, conn);
	mutex_unlock(&sample_conn_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sample_conns);

static int __init sample_conn_init(void)
{
	sample_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ctl", 0200, sample_dir, NULL, &sample_ctl_fops);
	debugfs_create_file("conns", 0444, sample_dir, NULL,
			    &sample_conns_fops);
	return 0;
}

static void __exit sample_conn_exit(void)
{
	struct sample_conn *conn, *tmp;

	debugfs_remove_recursive(sample_dir);
	list_for_each_entry_safe(conn, tmp, &sample_conns, node) {
		list_del(&conn->node);
		sample_conn_free(conn);
	}
}

module_init(sample_conn_init);
module_exit(sample_conn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx sample: a module whose connections leak a buffer");
