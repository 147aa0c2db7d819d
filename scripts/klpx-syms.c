// SPDX-License-Identifier: GPL-2.0
/*
 * klpx-syms - turn the symbols a patch module lists with KLPX_SYMBOLS()
 * into livepatch relocations.
 *
 *   klpx-syms prepare MODULE.o   before modpost: check the list and make
 *                                the listed symbols weak, so that modpost
 *                                does not call them undefined
 *   klpx-syms convert MODULE.ko [MODULE.o]
 *                                after the final link (which drops the
 *                                list, a .discard section: it is read from
 *                                MODULE.o): move every
 *                                relocation against a listed symbol into
 *                                .klp.rela.<object>.<section>, rename the
 *                                symbol .klp.sym.<object>.<name>,<pos> in
 *                                SHN_LIVEPATCH, and mark the module
 *                                livepatch=Y
 *   klpx-syms convert-lib MODULE.ko [MODULE.o]
 *                                the same for a module that is no live
 *                                patch (klpx.ko itself): it may list
 *                                vmlinux symbols only, which the loader
 *                                writes, and is not marked livepatch=Y,
 *                                which would taint it and make the
 *                                tracing core of some kernels (6.1)
 *                                ignore its trace events
 *   klpx-syms list FILE          print the list, one "object symbol pos"
 *                                line each
 *
 * The kernel's module loader applies the relocations of vmlinux symbols
 * before the module's init runs; klpx applies those of a module object
 * when it patches that object, and clears them when the module goes.
 * See Documentation/symbols.rst.
 *
 * Every check runs before anything is written, and the result is written
 * to a temporary file renamed over the input: on any error the input is
 * left as it was.  Running either step twice changes nothing.
 */
#define _GNU_SOURCE
#include "klpx-syms.h"

const char *tool = "klpx-syms";

static int cmd_prepare(const char *path)
{
	struct file f;
	bool change = false;
	char *tmp;
	size_t i;
	int ret;

	if (load(&f, path, NULL, false, &tmp))
		goto err;
	for (i = 0; i < f.nr_list; i++) {
		GElf_Sym sym;

		if (f.list[i].converted)
			continue;
		gelf_getsym(f.symdata, (int)f.list[i].symndx, &sym);
		if (GELF_ST_BIND(sym.st_info) != STB_WEAK)
			change = true;
	}
	close_file(&f);
	if (!change)
		return 0;
	if (load(&f, path, NULL, true, &tmp))
		goto err;

	/* Weak: modpost leaves it alone, convert will rename it. */
	for (i = 0; i < f.nr_list; i++) {
		GElf_Sym sym;

		if (f.list[i].converted)
			continue;
		gelf_getsym(f.symdata, (int)f.list[i].symndx, &sym);
		sym.st_info = GELF_ST_INFO(STB_WEAK, GELF_ST_TYPE(sym.st_info));
		gelf_update_sym(f.symdata, (int)f.list[i].symndx, &sym);
	}
	elf_flagdata(f.symdata, ELF_C_SET, ELF_F_DIRTY);
	ret = finish(&f, tmp, path, true);
	free(tmp);
	return ret;

err:
	close_file(&f);
	return -1;
}

struct klp_sec {
	char *name;
	size_t target;
	GElf_Rela *relas;
	size_t nr, cap;
};

static struct klp_sec *klp_sec_of(struct klp_sec **secs, size_t *nr,
				  const char *object, size_t target,
				  const char *target_name)
{
	struct klp_sec *s;
	char *name;
	size_t i;

	if (asprintf(&name, KLP_RELA_PREFIX "%s.%s", object, target_name) < 0)
		exit(1);
	for (i = 0; i < *nr; i++)
		if (!strcmp((*secs)[i].name, name)) {
			free(name);
			return &(*secs)[i];
		}
	*secs = realloc(*secs, (*nr + 1) * sizeof(**secs));
	if (!*secs)
		exit(1);
	s = &(*secs)[(*nr)++];
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->target = target;
	return s;
}

static void klp_sec_add(struct klp_sec *s, const GElf_Rela *rela)
{
	if (s->nr == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->relas = realloc(s->relas, s->cap * sizeof(*rela));
		if (!s->relas)
			exit(1);
	}
	s->relas[s->nr++] = *rela;
}

static bool has_modinfo(Elf_Data *d, const char *entry)
{
	const char *p = d->d_buf, *end = p + d->d_size;
	size_t len = strlen(entry) + 1;

	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));

		if (n + 1 == len && !memcmp(p, entry, len))
			return true;
		p += n + 1;
	}
	return false;
}

static int cmd_convert(const char *path, const char *list_path, bool patch)
{
	static const char livepatch[] = "livepatch=Y";
	struct klp_sec *secs = NULL;
	size_t nr_secs = 0, i, j, off;
	Elf_Scn *scn = NULL, *target, *modinfo;
	Elf_Data *data;
	GElf_Shdr sh;
	struct file f;
	bool change = false;
	char *tmp;
	int ret;

	if (load(&f, path, list_path, false, &tmp))
		goto err;
	if (!f.nr_list) {
		close_file(&f);
		return 0;
	}
	for (i = 0; !patch && i < f.nr_list; i++) {
		if (strcmp(f.list[i].object, "vmlinux")) {
			fail(&f, "%s of %s: only a live patch may list symbols of a module",
			     f.list[i].name, f.list[i].object);
			goto err;
		}
	}
	modinfo = find_scn(&f, ".modinfo");
	data = modinfo ? elf_getdata(modinfo, NULL) : NULL;
	if (!data || !data->d_buf) {
		fail(&f, "no .modinfo section: is MODULE_LICENSE() missing?");
		goto err;
	}
	if (patch && !has_modinfo(data, livepatch))
		change = true;
	for (i = 0; i < f.nr_list; i++)
		if (!f.list[i].converted)
			change = true;
	close_file(&f);
	if (!change)
		return 0;
	if (load(&f, path, list_path, true, &tmp))
		goto err;

	/* Take the relocations against listed symbols out of their sections. */
	while ((scn = elf_nextscn(f.elf, scn))) {
		Elf64_Rela *keep;
		size_t n, nr_keep = 0;

		if (!loaded_rela(&f, scn, &sh, &target) ||
		    sh.sh_type != SHT_RELA || (sh.sh_flags & SHF_RELA_LIVEPATCH))
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		keep = xcalloc(n, sizeof(*keep));
		for (j = 0; j < n; j++) {
			GElf_Rela rela;
			struct listed *l;

			gelf_getrela(data, (int)j, &rela);
			l = listed_of(&f, GELF_R_SYM(rela.r_info));
			if (l && !l->converted)
				klp_sec_add(klp_sec_of(&secs, &nr_secs,
						       l->object, sh.sh_info,
						       scn_name(&f, target)),
					    &rela);
			else
				keep[nr_keep++] = rela;
		}
		if (nr_keep == n) {
			free(keep);
			continue;
		}
		data->d_buf = keep;
		data->d_size = nr_keep * sizeof(*keep);
		elf_flagdata(data, ELF_C_SET, ELF_F_DIRTY);
	}

	/* One livepatch relocation section per object and target section. */
	for (i = 0; i < nr_secs; i++) {
		struct klp_sec *s = &secs[i];
		Elf_Scn *nscn;
		Elf_Data *nd;
		GElf_Shdr nsh;

		off = append_data(elf_getscn(f.elf, f.shstrndx), s->name,
				  strlen(s->name) + 1, 1);
		nscn = elf_newscn(f.elf);
		nd = elf_newdata(nscn);
		nd->d_buf = s->relas;
		nd->d_size = s->nr * sizeof(Elf64_Rela);
		nd->d_type = ELF_T_RELA;
		nd->d_align = 8;
		gelf_getshdr(nscn, &nsh);
		nsh.sh_name = off;
		nsh.sh_type = SHT_RELA;
		nsh.sh_flags = SHF_ALLOC | SHF_INFO_LINK | SHF_RELA_LIVEPATCH;
		nsh.sh_link = f.symtab_ndx;
		nsh.sh_info = s->target;
		nsh.sh_addralign = 8;
		nsh.sh_entsize = sizeof(Elf64_Rela);
		gelf_update_shdr(nscn, &nsh);
		free(s->name);
	}
	free(secs);

	/* The symbols the loader and klpx resolve by their klp names. */
	for (i = 0; i < f.nr_list; i++) {
		struct listed *l = &f.list[i];
		GElf_Sym sym;

		if (l->converted)
			continue;
		gelf_getsym(f.symdata, (int)l->symndx, &sym);
		sym.st_name = append_data(elf_getscn(f.elf, f.strndx),
					  l->klp_name,
					  strlen(l->klp_name) + 1, 1);
		sym.st_shndx = SHN_LIVEPATCH;
		sym.st_info = GELF_ST_INFO(STB_GLOBAL, GELF_ST_TYPE(sym.st_info));
		gelf_update_sym(f.symdata, (int)l->symndx, &sym);
	}
	elf_flagdata(f.symdata, ELF_C_SET, ELF_F_DIRTY);

	modinfo = find_scn(&f, ".modinfo");
	if (patch && !has_modinfo(elf_getdata(modinfo, NULL), livepatch))
		append_data(modinfo, livepatch, sizeof(livepatch), 1);

	ret = finish(&f, tmp, path, false);
	free(tmp);
	return ret;

err:
	close_file(&f);
	return -1;
}

static int cmd_list(const char *path)
{
	struct file f;
	size_t i;

	if (open_file(&f, path, false) || read_list(&f)) {
		close_file(&f);
		return -1;
	}
	for (i = 0; i < f.nr_list; i++)
		printf("%s %s %llu\n", f.list[i].object, f.list[i].name,
		       (unsigned long long)f.list[i].pos);
	close_file(&f);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s prepare MODULE.o | convert MODULE.ko [MODULE.o] |\n"
		"       convert-lib MODULE.ko [MODULE.o] | list FILE\n",
		tool);
	exit(2);
}

int main(int argc, char **argv)
{
	int ret;

	if (argc != 3 && !(argc == 4 && !strncmp(argv[1], "convert", 7)))
		usage();
	if (elf_version(EV_CURRENT) == EV_NONE) {
		fprintf(stderr, "%s: libelf is too old\n", tool);
		return 1;
	}
	if (!strcmp(argv[1], "prepare"))
		ret = cmd_prepare(argv[2]);
	else if (!strcmp(argv[1], "convert"))
		ret = cmd_convert(argv[2], argc == 4 ? argv[3] : NULL, true);
	else if (!strcmp(argv[1], "convert-lib"))
		ret = cmd_convert(argv[2], argc == 4 ? argv[3] : NULL, false);
	else if (!strcmp(argv[1], "list"))
		ret = cmd_list(argv[2]);
	else
		usage();
	return ret ? 1 : 0;
}
