// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_sym_target - a module whose static symbols a patch uses.
 *
 * Built from two files (klpx_sym_target_main.c, klpx_sym_target_dup.c),
 * each with a static function named sym_dup: the first in the module's
 * symbol table returns 1, the second 2.  Reading /proc/klpx_sym_target
 * calls the patchable klpx_sym_target_compute(2) and prints
 *
 *	compute: <what it returned>
 *	total: <the static variable sym_total>
 *
 * The original computes 2 and leaves sym_total alone; the patch in
 * klpx_test_sym.c computes sym_scale(2) + sym_dup#2() = 22 and adds 2 to
 * sym_total, all through symbols this module does not export.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

/* Kept out of line and whole, so that each is a symbol of its own. */
#define SYM_TARGET_FN __attribute__((__noipa__, __used__))

int klpx_sym_target_dup_second(void);

/*
 * Written here, so that the compiler keeps it writable: a static variable
 * its own file never writes may be placed in read-only memory.
 */
static int sym_total;

static SYM_TARGET_FN int sym_scale(int x)
{
	return 10 * x;
}

static SYM_TARGET_FN int sym_dup(void)
{
	return 1;
}

SYM_TARGET_FN int klpx_sym_target_compute(int x)
{
	return x;
}

static int klpx_sym_target_show(struct seq_file *m, void *v)
{
	seq_printf(m, "compute: %d\n", klpx_sym_target_compute(2));
	seq_printf(m, "total: %d\n", READ_ONCE(sym_total));
	return 0;
}

static int __init klpx_sym_target_init(void)
{
	WRITE_ONCE(sym_total, 0);
	/* Both sym_dup() and sym_scale() are reachable from here. */
	pr_debug("dup: %d %d scale: %d\n", sym_dup(),
		 klpx_sym_target_dup_second(), sym_scale(1));
	if (!proc_create_single("klpx_sym_target", 0444, NULL,
				klpx_sym_target_show))
		return -ENOMEM;
	return 0;
}

static void __exit klpx_sym_target_exit(void)
{
	remove_proc_entry("klpx_sym_target", NULL);
}

module_init(klpx_sym_target_init);
module_exit(klpx_sym_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: static symbols for a patch to use");
