// SPDX-License-Identifier: GPL-2.0
/*
 * kallsyms.c - functions by name, and the kernel functions that no module
 * may link against.
 *
 * A patch names the functions it replaces; the core needs their addresses
 * and sizes, and the ftrace location inside them.  None of the kernel
 * functions that answer these is exported (nor are find_module(), the
 * reliable unwinder and idle_task(), which module.c and switch.c list
 * the same way).  klpx reaches them
 * as a patch module reaches what the kernel does not export: it lists
 * them with KLPX_SYMBOLS(), and the module loader writes their addresses
 * into klpx.ko's calls before its init runs (livepatch relocations, see
 * Documentation/symbols.rst).  Every call below is therefore a direct
 * call: on a kernel built with IBT, an indirect call to one of these
 * (their ENDBR is sealed, since the kernel never takes their address)
 * would fault.  A kernel that lacks one of them refuses to load klpx.ko,
 * naming the symbol.
 *
 * Symbol positions follow kallsyms order in vmlinux (address order) and
 * symbol table order in a module, as the kernel's own livepatch counts
 * them: old_sympos N is the Nth symbol of that name.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/string.h>
#include "core.h"

KLPX_SYMBOLS(vmlinux,
	     KLPX_SYMPOS(kallsyms_on_each_match_symbol, 0),
	     KLPX_SYMPOS(kallsyms_lookup_size_offset, 0),
	     KLPX_SYMPOS(ftrace_location, 0));

/* Count one symbol of the wanted name; non-zero stops the walk. */
static int klpx_symbol_count(void *data, unsigned long addr)
{
	struct klpx_symbol_query *q = data;

	q->count++;
	if (!q->sympos) {
		if (q->count == 1)
			q->addr = addr;
		return q->count > 1;
	}
	if (q->count == q->sympos) {
		q->addr = addr;
		return 1;
	}
	return 0;
}

/**
 * klpx_module_walk_symbols() - walk the named symbols of a module
 * @mod:	the module
 * @fn:		called for each symbol with a name, undefined ones included,
 *		in symbol table order; non-zero stops the walk
 * @data:	passed to @fn
 *
 * While the module is COMING this is the full table of the load; once it
 * is LIVE, the part kept after init (the same order, as the kernel's
 * livepatch sees it).  @fn runs with preemption disabled.
 *
 * Context: @mod cannot go away.
 */
void klpx_module_walk_symbols(struct module *mod,
			      int (*fn)(const char *name,
					const Elf_Sym *sym, void *data),
			      void *data)
{
	struct mod_kallsyms *ks;
	unsigned int i;

	/* mod->kallsyms changes under RCU-sched at the end of init. */
	preempt_disable();
	ks = rcu_dereference_sched(mod->kallsyms);
	for (i = 0; i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];

		if (!sym->st_name)
			continue;
		if (fn(ks->strtab + sym->st_name, sym, data))
			break;
	}
	preempt_enable();
}

/* Count the module's defined symbols of the wanted name. */
static int klpx_module_symbol_count(const char *name, const Elf_Sym *sym,
				    void *data)
{
	struct klpx_symbol_query *q = data;

	if (sym->st_shndx == SHN_UNDEF || strcmp(name, q->name))
		return 0;
	return klpx_symbol_count(q, sym->st_value);
}

/**
 * klpx_symbol_lookup() - the address of a symbol of an object
 * @mod:	the module of the object, NULL for vmlinux
 * @q:		@q->name and @q->sympos in; @q->count (how many symbols of
 *		that name were seen, up to the one wanted) and @q->addr out
 *
 * @q->addr is 0 when the name does not exist, when it is ambiguous
 * (@q->sympos 0 and @q->count > 1), or when there is no @q->sympos-th.
 *
 * Context: process context; @mod cannot go away (klpx_mutex held, or its
 * notifier running).
 */
void klpx_symbol_lookup(struct module *mod, struct klpx_symbol_query *q)
{
	q->count = 0;
	q->addr = 0;
	if (mod)
		klpx_module_walk_symbols(mod, klpx_module_symbol_count, q);
	else
		kallsyms_on_each_match_symbol(klpx_symbol_count, q->name, q);
	if (!q->sympos && q->count > 1)
		q->addr = 0;
}

/**
 * klpx_resolve_func() - find the original of a function and check both ends
 * @func:	a function of a loaded object (@func->obj->mod set for modules)
 *
 * Fills @func->old_addr, @func->old_size and @func->new_size.
 *
 * Context: klpx_mutex held; may sleep.
 * Return: 0; -ENOENT when the name (or its @old_sympos-th occurrence) does
 * not exist in the object; -EINVAL when it is ambiguous without
 * @old_sympos, when ftrace cannot redirect it, or when @new_func is not the
 * start of a function.  Each failure logs a line naming the symbol.
 */
int klpx_resolve_func(struct klpx_func *func)
{
	struct klpx_object *obj = func->obj;
	const char *patch = obj->patch->mod->name;
	const char *where = klpx_object_name(obj);
	struct klpx_symbol_query q = {
		.name = func->old_name,
		.sympos = func->old_sympos,
	};
	unsigned long size, offset, loc;

	klpx_symbol_lookup(obj->mod, &q);
	if (!q.count) {
		pr_err("'%s': symbol '%s' not found in %s\n", patch,
		       func->old_name, where);
		return -ENOENT;
	}
	if (!func->old_sympos && q.count > 1) {
		pr_err("'%s': symbol '%s' is ambiguous in %s: set old_sympos\n",
		       patch, func->old_name, where);
		return -EINVAL;
	}
	if (!q.addr) {
		pr_err("'%s': symbol '%s' has %lu occurrence(s) in %s, not %lu\n",
		       patch, func->old_name, q.count, where,
		       func->old_sympos);
		return -ENOENT;
	}

	if (!kallsyms_lookup_size_offset(q.addr, &size, &offset) || offset) {
		pr_err("'%s': symbol '%s' in %s is not a function\n", patch,
		       func->old_name, where);
		return -EINVAL;
	}
	loc = ftrace_location(q.addr);
	if (!loc || loc >= q.addr + size) {
		pr_err("'%s': function '%s' in %s cannot be redirected by ftrace\n",
		       patch, func->old_name, where);
		return -EINVAL;
	}
	func->old_addr = q.addr;
	func->old_size = size;

	if (!kallsyms_lookup_size_offset((unsigned long)func->new_func, &size,
					 &offset) || offset) {
		pr_err("'%s': the replacement of '%s' is not the start of a function\n",
		       patch, func->old_name);
		return -EINVAL;
	}
	func->new_size = size;
	return 0;
}

/**
 * klpx_ftrace_ip() - where ftrace hooks a resolved function
 * @func:	a function resolved by klpx_resolve_func()
 *
 * Return: the ftrace location inside the original (past its ENDBR when
 * the kernel has IBT).
 */
unsigned long klpx_ftrace_ip(struct klpx_func *func)
{
	return ftrace_location(func->old_addr);
}

/**
 * klpx_symbol_end() - where the symbol that starts at an address ends
 * @addr:	the address of a symbol
 *
 * Context: any; does not sleep.
 * Return: one past its last byte, or 0 when no symbol starts at @addr.
 */
unsigned long klpx_symbol_end(unsigned long addr)
{
	unsigned long size, offset;

	if (!kallsyms_lookup_size_offset(addr, &size, &offset) || offset)
		return 0;
	return addr + size;
}
