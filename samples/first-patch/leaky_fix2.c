// SPDX-License-Identifier: GPL-2.0
/*
 * leaky_fix2 - fix 1, plus a count of the pokes each widget got.
 *
 * A cumulative patch carries everything of the patch it replaces: fix 1's
 * new function and its "leaky_buf" type with the same id, so the buffers
 * fix 1 kept stay kept.  New here: a "leaky_pokes" variable per widget,
 * made by its first poke, and a free that says how many pokes it got.
 * Loading fix 1 again (the downgrade) leaves "leaky_pokes" with no
 * registration: klpx garbage-collects its variables.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "leaky.h"
#include "leaky_ids.h"

/* ---- as in fix 1 ---- */

struct leaky_buf {
	void *buf;
	int widget;
};

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

static struct leaky_widget *fix2_widget_new(int id)
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

/* ---- new in fix 2 ---- */

static struct klpx_shadow_type leaky_pokes = {
	.id = LEAKY_POKES_ID,
	.name = "leaky_pokes",
	.size = sizeof(u64),
};

static void fix2_widget_poke(struct leaky_widget *w)
{
	/* Zeroed when made; leaky's mutex orders the updates. */
	u64 *pokes = klpx_shadow_get_or_alloc(w, &leaky_pokes, GFP_KERNEL,
					      NULL);

	if (pokes)
		(*pokes)++;
	pr_info("widget %d: poked\n", w->id);
}

static void fix2_widget_free(struct leaky_widget *w)
{
	u64 *pokes = klpx_shadow_get(w, &leaky_pokes);

	pr_info("widget %d: freed after %llu poke(s)\n", w->id,
		pokes ? (unsigned long long)*pokes : 0ULL);
	klpx_shadow_free(w, &leaky_pokes);
	klpx_shadow_free(w, &leaky_buf);
	kfree(w);
}

static struct klpx_func fix2_funcs[] = {
	{ .old_name = "leaky_widget_new", .new_func = fix2_widget_new },
	{ .old_name = "leaky_widget_poke", .new_func = fix2_widget_poke },
	{ .old_name = "leaky_widget_free", .new_func = fix2_widget_free },
	{ }
};

static struct klpx_shadow_type *fix2_types[] = {
	&leaky_buf, &leaky_pokes, NULL
};

static struct klpx_object fix2_objs[] = {
	{
		.name = "leaky",
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
MODULE_DESCRIPTION("leaky fix 2: fix 1, and a poke count per widget");
