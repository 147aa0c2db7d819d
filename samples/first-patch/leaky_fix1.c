// SPDX-License-Identifier: GPL-2.0
/*
 * leaky_fix1 - the fix: each new widget's buffer is kept in a shadow
 * variable, and freeing the widget frees it.
 *
 * struct leaky_widget has no field for the buffer, and a live patch cannot
 * add one to widgets that exist already; a shadow variable of type
 * "leaky_buf" attached to the widget holds it instead.  Buffers of widgets
 * made before the fix are lost already.
 *
 * The patch is cumulative (replace): it is the only enabled patch of its
 * series, and loading it over leaky_fix2 is the downgrade.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "leaky.h"
#include "leaky_ids.h"

/* The shadow variable: the buffer, and its widget's id for the log. */
struct leaky_buf {
	void *buf;
	int widget;
};

/* Called once per variable: by klpx_shadow_free() or by the GC. */
static void leaky_buf_dtor(void *obj, void *data)
{
	struct leaky_buf *b = data;

	pr_info("widget %d: buffer freed\n", b->widget);
	kfree(b->buf);
}

static struct klpx_shadow_type leaky_buf = {
	.id = LEAKY_BUF_ID,
	.name = "leaky_buf",
	.size = sizeof(struct leaky_buf),
	.dtor = leaky_buf_dtor,
};

static struct leaky_widget *fix1_widget_new(int id)
{
	struct leaky_widget *w;
	struct leaky_buf *b;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return NULL;
	b = klpx_shadow_alloc(w, &leaky_buf, GFP_KERNEL, NULL);
	if (!b)
		goto err_widget;
	b->buf = kmalloc(LEAKY_BUF_SIZE, GFP_KERNEL);
	if (!b->buf)
		goto err_shadow;
	b->widget = id;
	w->id = id;
	pr_info("widget %d: made, its buffer kept\n", id);
	return w;

err_shadow:
	klpx_shadow_free(w, &leaky_buf);
err_widget:
	kfree(w);
	return NULL;
}

static void fix1_widget_free(struct leaky_widget *w)
{
	pr_info("widget %d: freed\n", w->id);
	/* Runs the dtor if the widget has a buffer (no-op otherwise). */
	klpx_shadow_free(w, &leaky_buf);
	kfree(w);
}

static struct klpx_func fix1_funcs[] = {
	{ .old_name = "leaky_widget_new", .new_func = fix1_widget_new },
	{ .old_name = "leaky_widget_free", .new_func = fix1_widget_free },
	{ }
};

static struct klpx_shadow_type *fix1_types[] = { &leaky_buf, NULL };

static struct klpx_object fix1_objs[] = {
	{
		.name = "leaky",	/* the module; NULL would be vmlinux */
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
MODULE_DESCRIPTION("leaky fix 1: each widget's buffer in a shadow variable");
