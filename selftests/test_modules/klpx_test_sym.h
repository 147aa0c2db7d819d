/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klpx_test_sym.h - patches of klpx_sym_target that use its static
 * symbols, and an unexported vmlinux function, through KLPX_SYMBOLS().
 *
 * klpx_test_sym.c is the good one.  Each klpx_test_sym_bad_*.c defines one
 * SYM_BAD_* before including this file, to list a symbol that does not
 * resolve at run time (the build cannot know):
 *
 *   SYM_BAD_UNKNOWN          a module symbol that does not exist
 *   SYM_BAD_AMBIGUOUS        sym_dup without a position (there are two)
 *   SYM_BAD_POSITION         sym_dup at position 3 (there are two)
 *   SYM_BAD_NO_OBJECT        symbols of klpx_sym_target, but no object
 *   SYM_BAD_VMLINUX_UNKNOWN  a vmlinux symbol that does not exist
 *   SYM_BAD_VMLINUX_AMBIGUOUS a vmlinux symbol with two definitions
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/kallsyms.h>
#include <linux/klpx.h>
#include <linux/module.h>

extern int sym_scale(int x);
extern int sym_total;
extern int sym_dup(void);
extern int sym_missing(void);
extern int klpx_no_such_vmlinux_function(void);
extern int load_elf_binary(struct linux_binprm *bprm);

#if defined(SYM_BAD_UNKNOWN)
KLPX_SYMBOLS(klpx_sym_target,
	     KLPX_SYMPOS(sym_scale, 0),
	     KLPX_SYMPOS(sym_missing, 0));
#define SYM_EXTRA()	sym_missing()
#elif defined(SYM_BAD_AMBIGUOUS)
KLPX_SYMBOLS(klpx_sym_target,
	     KLPX_SYMPOS(sym_scale, 0),
	     KLPX_SYMPOS(sym_dup, 0));
#define SYM_EXTRA()	sym_dup()
#elif defined(SYM_BAD_POSITION)
KLPX_SYMBOLS(klpx_sym_target,
	     KLPX_SYMPOS(sym_scale, 0),
	     KLPX_SYMPOS(sym_dup, 3));
#define SYM_EXTRA()	sym_dup()
#else
KLPX_SYMBOLS(klpx_sym_target,
	     KLPX_SYMPOS(sym_scale, 0),
	     KLPX_SYMPOS(sym_total, 0),
	     KLPX_SYMPOS(sym_dup, 2));
#define SYM_EXTRA()	(sym_total += 2, sym_dup())
#endif

#if defined(SYM_BAD_VMLINUX_UNKNOWN)
KLPX_SYMBOLS(vmlinux,
	     KLPX_SYMPOS(kallsyms_lookup_size_offset, 0),
	     KLPX_SYMPOS(klpx_no_such_vmlinux_function, 0));
#elif defined(SYM_BAD_VMLINUX_AMBIGUOUS)
KLPX_SYMBOLS(vmlinux,
	     KLPX_SYMPOS(kallsyms_lookup_size_offset, 0),
	     KLPX_SYMPOS(load_elf_binary, 0));
#else
KLPX_SYMBOLS(vmlinux,
	     KLPX_SYMPOS(kallsyms_lookup_size_offset, 0));
#endif

int sym_compute(int x);
int sym_compute(int x)
{
	return sym_scale(x) + SYM_EXTRA();
}

/* Never called: it only makes the bad vmlinux symbols used. */
int sym_unused(void);
int sym_unused(void)
{
#if defined(SYM_BAD_VMLINUX_UNKNOWN)
	return klpx_no_such_vmlinux_function();
#elif defined(SYM_BAD_VMLINUX_AMBIGUOUS)
	return load_elf_binary(NULL);
#else
	return 0;
#endif
}

#ifndef SYM_BAD_NO_OBJECT
static struct klpx_func sym_funcs[] = {
	{
		.old_name = "klpx_sym_target_compute",
		.new_func = sym_compute,
	}, { }
};
#endif

static struct klpx_func sym_no_funcs[] = { { } };

static struct klpx_object sym_objs[] = {
	{
		.funcs = sym_no_funcs,
	},
#ifndef SYM_BAD_NO_OBJECT
	{
		.name = "klpx_sym_target",
		.funcs = sym_funcs,
	},
#endif
	{ }
};

static struct klpx_patch sym_patch = {
	.mod = THIS_MODULE,
	.objs = sym_objs,
};

static int __init sym_init(void)
{
	unsigned long size = 0, offset = 1;

	/* An unexported vmlinux function, called directly. */
	if (kallsyms_lookup_size_offset((unsigned long)sym_compute, &size,
					&offset) && !offset && size)
		pr_info("kallsyms_lookup_size_offset() knows sym_compute\n");
	return klpx_enable_patch(&sym_patch);
}

static void __exit sym_exit(void)
{
}

module_init(sym_init);
module_exit(sym_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: a patch that uses symbols no module exports");
