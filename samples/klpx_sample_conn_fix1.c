// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_sample_conn_fix1 - fix the buffer leak of klpx_sample_conn.
 *
 * Each connection opened from now on gets its receive buffer's pointer
 * in a shadow variable of type "sample_rxbuf"; closing the connection
 * frees the variable, and the type's destructor frees the buffer.  The
 * buffers of connections opened before the fix are lost already: those
 * connections have no variable, and closing them frees what it always did.
 *
 * The patch is cumulative (replace): loaded after klpx_sample_conn_fix2,
 * it is the downgrade, and fix2's own shadow type goes with fix2.  Should
 * the fix itself go (disabled, or klpx_sample_conn unloaded), klpx
 * garbage-collects every "sample_rxbuf" variable with the destructor.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "klpx_sample_conn.h"

/* One id per meaning, kept by every later fix that keeps the meaning. */
#define SAMPLE_RXBUF_ID	0x6b780001

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

static struct sample_conn *fix1_conn_alloc(int id)
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

static void fix1_conn_free(struct sample_conn *conn)
{
	/* Runs the destructor, when the connection has a buffer to free. */
	klpx_shadow_free(conn, &sample_rxbuf);
	kfree(conn);
}

static struct klpx_func fix1_funcs[] = {
	{ .old_name = "sample_conn_alloc", .new_func = fix1_conn_alloc },
	{ .old_name = "sample_conn_free", .new_func = fix1_conn_free },
	{ }
};

static struct klpx_shadow_type *fix1_types[] = { &sample_rxbuf, NULL };

static struct klpx_object fix1_objs[] = {
	{
		.name = "klpx_sample_conn",
		.funcs = fix1_funcs,
		.shadow_types = fix1_types,
	},
	{ }
};

static struct klpx_patch fix1_patch = {
	.mod = THIS_MODULE,
	.objs = fix1_objs,
	.replace = true,
};

static int __init fix1_init(void)
{
	return klpx_enable_patch(&fix1_patch);
}

static void __exit fix1_exit(void)
{
}

module_init(fix1_init);
module_exit(fix1_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx sample: fix 1, the receive buffer in a shadow variable");
