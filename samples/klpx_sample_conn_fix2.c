// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_sample_conn_fix2 - fix 1, plus a byte count per connection.
 *
 * A cumulative (replace) patch carries everything of the patch it
 * replaces: here fix 1's two functions and its "sample_rxbuf" type, with
 * the same id.  Loaded on top of fix 1, it takes over fix 1's variables
 * (one id, two registrations for a moment, then one): no buffer is lost
 * or freed twice.
 *
 * New in fix 2: a "sample_bytes" variable per connection, created by the
 * first receive, counts the bytes received and shows them in "conns".
 * Loading fix 1 again (the downgrade) replaces fix 2: "sample_bytes" has
 * no registration left, and klpx garbage-collects its variables; the
 * buffers stay, fix 1 still carries their id.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "klpx_sample_conn.h"

#define SAMPLE_RXBUF_ID	0x6b780001	/* as in fix 1 */
#define SAMPLE_BYTES_ID	0x6b780002

/* ---- fix 1, unchanged ---- */

/*
 * The variable keeps the connection's id beside the buffer: the dtor may
 * run when the connection is long freed (garbage collection), so it never
 * reads the connection itself.
 */
struct sample_rxbuf {
	void *buf;
	int id;
};

static void sample_rxbuf_dtor(void *obj, void *data)
{
	struct sample_rxbuf *rx = data;

	pr_info("conn %d: receive buffer freed\n", rx->id);
	kfree(rx->buf);
}

static struct klpx_shadow_type sample_rxbuf = {
	.id = SAMPLE_RXBUF_ID,
	.name = "sample_rxbuf",
	.size = sizeof(struct sample_rxbuf),
	.dtor = sample_rxbuf_dtor,
};

static struct sample_conn *fix2_conn_alloc(int id)
{
	struct sample_conn *conn;
	struct sample_rxbuf *rx;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return NULL;
	conn->id = id;
	rx = klpx_shadow_alloc(conn, &sample_rxbuf, GFP_KERNEL, NULL);
	if (!rx)
		goto err_conn;
	rx->id = id;
	rx->buf = kmalloc(SAMPLE_CONN_RXBUF, GFP_KERNEL);
	if (!rx->buf)
		goto err_slot;
	return conn;

err_slot:
	klpx_shadow_free(conn, &sample_rxbuf);
err_conn:
	kfree(conn);
	return NULL;
}

/* ---- new in fix 2 ---- */

static struct klpx_shadow_type sample_bytes = {
	.id = SAMPLE_BYTES_ID,
	.name = "sample_bytes",
	.size = sizeof(u64),
};

static void fix2_conn_free(struct sample_conn *conn)
{
	klpx_shadow_free(conn, &sample_bytes);
	klpx_shadow_free(conn, &sample_rxbuf);
	kfree(conn);
}

static void fix2_conn_recv(struct sample_conn *conn, unsigned int len)
{
	u64 *bytes;

	/* Zeroed when created; the caller's mutex orders the updates. */
	bytes = klpx_shadow_get_or_alloc(conn, &sample_bytes, GFP_KERNEL,
					 NULL);
	if (bytes)
		*bytes += len;
	pr_info("conn %d: received %u bytes\n", conn->id, len);
}

static void fix2_conn_show(struct seq_file *m, struct sample_conn *conn)
{
	u64 *bytes = klpx_shadow_get(conn, &sample_bytes);

	seq_printf(m, "conn %d bytes=%llu\n", conn->id,
		   bytes ? (unsigned long long)*bytes : 0ULL);
}

static struct klpx_func fix2_funcs[] = {
	{ .old_name = "sample_conn_alloc", .new_func = fix2_conn_alloc },
	{ .old_name = "sample_conn_free", .new_func = fix2_conn_free },
	{ .old_name = "sample_conn_recv", .new_func = fix2_conn_recv },
	{ .old_name = "sample_conn_show", .new_func = fix2_conn_show },
	{ }
};

static struct klpx_shadow_type *fix2_types[] = {
	&sample_rxbuf, &sample_bytes, NULL
};

static struct klpx_object fix2_objs[] = {
	{
		.name = "klpx_sample_conn",
		.funcs = fix2_funcs,
		.shadow_types = fix2_types,
	},
	{ }
};

static struct klpx_patch fix2_patch = {
	.mod = THIS_MODULE,
	.objs = fix2_objs,
	.replace = true,
};

static int __init fix2_init(void)
{
	return klpx_enable_patch(&fix2_patch);
}

static void __exit fix2_exit(void)
{
}

module_init(fix2_init);
module_exit(fix2_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx sample: fix 2, fix 1 and a byte count per connection");
