// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_sample_syms - a patch that reads what its target keeps static.
 *
 * klpx_sample_conn's summary line says how many connections are open;
 * this patch makes it say how many more may open.  Both numbers live in
 * static variables of klpx_sample_conn, which no module may link
 * against: the patch declares them, lists them with KLPX_SYMBOLS(), and
 * its Kbuild includes scripts/patch.kbuild, which turns the references
 * into livepatch relocations that klpx writes when klpx_sample_conn is
 * loaded (Documentation/symbols.rst).
 *
 * Not cumulative: it stacks on top of whatever else patches the module.
 */
#include <linux/klpx.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include "klpx_sample_conn.h"

/* static in klpx_sample_conn */
extern unsigned int sample_conn_nr;
extern unsigned int sample_conn_limit;

KLPX_SYMBOLS(klpx_sample_conn,
	     KLPX_SYMPOS(sample_conn_nr, 0),
	     KLPX_SYMPOS(sample_conn_limit, 0));

static void syms_conn_summary(struct seq_file *m)
{
	seq_printf(m, "%u open, %u free\n", sample_conn_nr,
		   sample_conn_limit - sample_conn_nr);
}

static struct klpx_func syms_funcs[] = {
	{ .old_name = "sample_conn_summary", .new_func = syms_conn_summary },
	{ }
};

static struct klpx_object syms_objs[] = {
	{ .name = "klpx_sample_conn", .funcs = syms_funcs },
	{ }
};

static struct klpx_patch syms_patch = {
	.mod = THIS_MODULE,
	.objs = syms_objs,
};

static int __init syms_init(void)
{
	return klpx_enable_patch(&syms_patch);
}

static void __exit syms_exit(void)
{
}

module_init(syms_init);
module_exit(syms_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx sample: a patch using static variables of its target");
