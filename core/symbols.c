// SPDX-License-Identifier: GPL-2.0
/*
 * symbols.c - the symbols a patch module uses in the modules it patches.
 *
 * A patch module built with scripts/patch.kbuild carries the relocations
 * of every symbol it lists with KLPX_SYMBOLS() in sections named
 * .klp.rela.<object>.<section>, against symbols named
 * .klp.sym.<object>.<name>,<pos>, and is marked livepatch=Y: the format
 * of the kernel's own livepatch.  The module loader applies the vmlinux
 * ones before the module's init.  Those of a module object can be applied
 * only while that module is loaded: klpx applies them when it patches the
 * object (before pre_patch and before any function is redirected) and
 * clears them when it stops patching it, so that the next load of the
 * module finds the places zeroed again (the x86 relocator refuses to
 * write over a non-zero value).
 *
 * The loader keeps a livepatch module's section headers and full symbol
 * table (mod->klp_info, mod->core_kallsyms); the relocation sections are
 * SHF_ALLOC, so their entries are in module memory too.  Writing goes
 * through apply_relocate_add(), which pokes text through text_poke() once
 * the module is live, and clearing through text_poke() as well; both are
 * direct calls (see kallsyms.c).
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/elf.h>
#include <linux/kallsyms.h>
#include <linux/memory.h>
#include <linux/module.h>
#include <linux/moduleloader.h>
#include <linux/string.h>
#include <asm/text-patching.h>
#include "core.h"
#include "reloc.h"

#ifndef CONFIG_LIVEPATCH
#error "klpx needs CONFIG_LIVEPATCH: the module loader keeps livepatch relocations only then"
#endif

KLPX_SYMBOLS(vmlinux,
	     KLPX_SYMPOS(apply_relocate_add, 0),
	     KLPX_SYMPOS(text_poke, 0),
	     KLPX_SYMPOS(text_poke_sync, 0),
	     KLPX_SYMPOS(text_mutex, 0));

#define KLPX_KLP_RELA	".klp.rela."
#define KLPX_KLP_SYM	".klp.sym."

/* The object a .klp.rela.<object>.<section> name is for, if @name's. */
static bool klpx_rela_is_for(const char *secname, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(secname, KLPX_KLP_RELA, strlen(KLPX_KLP_RELA)))
		return false;
	secname += strlen(KLPX_KLP_RELA);
	return !strncmp(secname, name, len) && secname[len] == '.';
}

static bool klpx_patch_has_relocs(const struct klpx_patch *patch)
{
	return patch->mod->klp && patch->mod->klp_info;
}

/* The index of the livepatch relocation section after @i; 0: none left. */
static unsigned int klpx_next_klp_rela(const struct klp_modinfo *info,
				       unsigned int i)
{
	while (++i < info->hdr.e_shnum)
		if (info->sechdrs[i].sh_flags & SHF_RELA_LIVEPATCH)
			return i;
	return 0;
}

#define klpx_for_each_klp_rela(info, sec, i)				\
	for (i = klpx_next_klp_rela(info, 0);				\
	     i && ((sec) = &(info)->sechdrs[i]);			\
	     i = klpx_next_klp_rela(info, i))

static Elf_Sym *klpx_rela_sym(const struct klp_modinfo *info,
			      const Elf_Rela *rela)
{
	Elf_Sym *symtab = (Elf_Sym *)info->sechdrs[info->symndx].sh_addr;

	return &symtab[ELF_R_SYM(rela->r_info)];
}

/*
 * Split .klp.sym.<object>.<name>,<pos> into @name (in @buf) and @pos;
 * the object must be @object.
 */
static int klpx_parse_klp_sym(const char *str, const char *object,
			      char *buf, size_t len, unsigned long *pos)
{
	const char *p, *comma;
	size_t olen = strlen(object);

	if (strncmp(str, KLPX_KLP_SYM, strlen(KLPX_KLP_SYM)))
		return -EINVAL;
	p = str + strlen(KLPX_KLP_SYM);
	if (strncmp(p, object, olen) || p[olen] != '.')
		return -EINVAL;
	p += olen + 1;
	comma = strrchr(p, ',');
	if (!comma || comma == p || comma - p >= len)
		return -EINVAL;
	memcpy(buf, p, comma - p);
	buf[comma - p] = 0;
	return kstrtoul(comma + 1, 10, pos);
}

/* Fill in the value of every symbol a relocation section refers to. */
static int klpx_resolve_section(struct klpx_object *obj, Elf_Shdr *sec)
{
	const struct klp_modinfo *info = obj->patch->mod->klp_info;
	const char *strtab = obj->patch->mod->core_kallsyms.strtab;
	const char *patch = obj->patch->mod->name;
	const char *where = obj->name;
	Elf_Rela *relas = (Elf_Rela *)sec->sh_addr;
	char name[KSYM_NAME_LEN];
	unsigned int i;

	for (i = 0; i < sec->sh_size / sizeof(*relas); i++) {
		Elf_Sym *sym = klpx_rela_sym(info, &relas[i]);
		struct klpx_symbol_query q = { .name = name };

		if (sym->st_shndx != SHN_LIVEPATCH ||
		    klpx_parse_klp_sym(strtab + sym->st_name, where, name,
				       sizeof(name), &q.sympos)) {
			pr_err("'%s': relocation %u of %s uses '%s', which is not a livepatch symbol of %s: rebuild the patch with scripts/patch.kbuild\n",
			       patch, i, info->secstrings + sec->sh_name,
			       strtab + sym->st_name, where);
			return -EINVAL;
		}
		klpx_symbol_lookup(obj->mod, &q);
		if (q.addr) {
			sym->st_value = q.addr;
			continue;
		}
		if (!q.count) {
			pr_err("'%s': symbol '%s' not found in %s\n", patch,
			       name, where);
			return -ENOENT;
		}
		if (!q.sympos) {
			pr_err("'%s': symbol '%s' is ambiguous in %s (%lu of that name): give its position in KLPX_SYMPOS()\n",
			       patch, name, where, q.count);
			return -EINVAL;
		}
		pr_err("'%s': symbol '%s' has %lu occurrence(s) in %s, not %lu\n",
		       patch, name, q.count, where, q.sympos);
		return -ENOENT;
	}
	return 0;
}

/* Zero what the relocations of @sec write, and forget their symbols. */
static void klpx_clear_section(const struct klp_modinfo *info, Elf_Shdr *sec)
{
	static const u8 zero[8];
	Elf_Rela *relas = (Elf_Rela *)sec->sh_addr;
	unsigned long base = info->sechdrs[sec->sh_info].sh_addr;
	unsigned int i;

	mutex_lock(&text_mutex);
	for (i = 0; i < sec->sh_size / sizeof(*relas); i++) {
		void *loc = (void *)(base + relas[i].r_offset);
		size_t size = klpx_reloc_size(ELF_R_TYPE(relas[i].r_info));

		klpx_rela_sym(info, &relas[i])->st_value = 0;
		if (size && memchr_inv(loc, 0, size))
			text_poke(loc, zero, size);
	}
	text_poke_sync();
	mutex_unlock(&text_mutex);
}

static void __klpx_symbols_clear(struct klpx_object *obj)
{
	const struct klp_modinfo *info = obj->patch->mod->klp_info;
	Elf_Shdr *sec;
	unsigned int i;

	klpx_for_each_klp_rela(info, sec, i)
		if (klpx_rela_is_for(info->secstrings + sec->sh_name,
				     obj->name))
			klpx_clear_section(info, sec);
}

/**
 * klpx_symbols_resolve() - write the addresses of a module object's symbols
 * @obj:	a module object whose module (@obj->mod) is loaded
 *
 * Resolves every symbol the patch module lists for @obj's module and
 * applies the relocations that use them.  On failure nothing stays
 * written.
 *
 * Context: klpx_mutex held; sleeps.
 * Return: 0 (also when the patch lists no symbol of the object);
 * -ENOENT when a symbol, or its position, does not exist in the module;
 * -EINVAL when a symbol listed without a position is ambiguous, or a
 * relocation is malformed; what apply_relocate_add() returned otherwise.
 * Each failure logs one line naming the symbol, the object and the patch.
 */
int klpx_symbols_resolve(struct klpx_object *obj)
{
	struct module *pmod = obj->patch->mod;
	const struct klp_modinfo *info;
	Elf_Shdr *sec;
	unsigned int i;
	int ret;

	lockdep_assert_held(&klpx_mutex);

	if (!obj->name || !klpx_patch_has_relocs(obj->patch))
		return 0;
	info = pmod->klp_info;
	obj->relocated = true;
	klpx_for_each_klp_rela(info, sec, i) {
		if (!klpx_rela_is_for(info->secstrings + sec->sh_name,
				      obj->name))
			continue;
		ret = klpx_resolve_section(obj, sec);
		if (ret)
			goto err;
		ret = apply_relocate_add(info->sechdrs,
					 pmod->core_kallsyms.strtab,
					 info->symndx, i, pmod);
		if (ret) {
			pr_err("'%s': cannot write the symbols of %s into %s: %pe\n",
			       pmod->name, obj->name,
			       info->secstrings + sec->sh_name, ERR_PTR(ret));
			goto err;
		}
	}
	return 0;

err:
	klpx_symbols_clear(obj);
	return ret;
}

/**
 * klpx_symbols_clear() - undo klpx_symbols_resolve()
 * @obj:	a module object
 *
 * Zeroes every place klpx_symbols_resolve() wrote (or may have written),
 * so that a later load of the module can have them written afresh.
 *
 * Context: klpx_mutex held; sleeps.
 */
void klpx_symbols_clear(struct klpx_object *obj)
{
	lockdep_assert_held(&klpx_mutex);

	if (!obj->relocated)
		return;
	__klpx_symbols_clear(obj);
	obj->relocated = false;
}

/**
 * klpx_symbols_check() - every object the patch has symbols of is patched
 * @patch:	a patch being enabled
 *
 * A relocation section of a module the patch has no object for would
 * never be written: its code would call address zero.
 *
 * Context: klpx_mutex held.
 * Return: 0, or -EINVAL (logged).
 */
int klpx_symbols_check(struct klpx_patch *patch)
{
	const struct klp_modinfo *info;
	struct klpx_object *obj;
	const char *secname;
	Elf_Shdr *sec;
	unsigned int i;
	bool found;

	if (!klpx_patch_has_relocs(patch))
		return 0;
	info = patch->mod->klp_info;
	klpx_for_each_klp_rela(info, sec, i) {
		secname = info->secstrings + sec->sh_name;
		if (klpx_rela_is_for(secname, "vmlinux"))
			continue;
		found = false;
		klpx_for_each_object(patch, obj)
			if (obj->name && klpx_rela_is_for(secname, obj->name))
				found = true;
		if (!found) {
			pr_err("'%s': it uses symbols of a module it has no object for (%s): add the object, even with no function\n",
			       patch->mod->name, secname);
			return -EINVAL;
		}
	}
	return 0;
}
