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
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* From the kernel's uapi elf.h; the system's elf.h may lack them. */
#ifndef SHF_RELA_LIVEPATCH
#define SHF_RELA_LIVEPATCH	0x00100000
#endif
#ifndef SHN_LIVEPATCH
#define SHN_LIVEPATCH		0xff20
#endif

/* The layout KLPX_SYMBOLS() emits; see include/linux/klpx.h. */
#define KLPX_SYMBOLS_SECTION	".discard.klpx_symbols"
#define KLPX_SYMBOLS_MAGIC	0x53504c4bU	/* "KLPS" */
#define KLPX_OBJECT_LEN		64		/* room for more than a module name */
#define MODULE_NAME_LEN		56		/* the kernel's, on 64-bit */
#define KLPX_SYMBOL_LEN		512		/* KSYM_NAME_LEN, 6.1+ */
#define KLPX_HEADER_SIZE	(8 + KLPX_OBJECT_LEN)
#define KLPX_ENTRY_SIZE		(KLPX_SYMBOL_LEN + 8)

#define KLP_SYM_PREFIX		".klp.sym."
#define KLP_RELA_PREFIX		".klp.rela."

struct listed {
	char object[KLPX_OBJECT_LEN + 1];
	char name[KLPX_SYMBOL_LEN];
	uint64_t pos;
	char *klp_name;		/* .klp.sym.<object>.<name>,<pos> */
	size_t symndx;		/* in .symtab; 0 while not found */
	bool converted;		/* the symtab already has the klp name */
	size_t nr_relocs;	/* relocations against it, in loaded sections */
};

struct file {
	const char *path;
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	size_t shstrndx;
	Elf_Scn *symtab;
	size_t symtab_ndx;
	Elf_Data *symdata;
	size_t nr_syms;
	size_t strndx;
	struct listed *list;
	size_t nr_list;
	Elf_Scn *list_scn;
};

static const char *tool = "klpx-syms";

static void __attribute__((format(printf, 2, 3)))
fail(const struct file *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", tool, f->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", tool);
		exit(1);
	}
	return p;
}

static const char *scn_name(struct file *f, Elf_Scn *scn)
{
	GElf_Shdr sh;
	const char *name;

	if (!gelf_getshdr(scn, &sh))
		return "?";
	name = elf_strptr(f->elf, f->shstrndx, sh.sh_name);
	return name ? name : "?";
}

static Elf_Scn *find_scn(struct file *f, const char *name)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(f->elf, scn)))
		if (!strcmp(scn_name(f, scn), name))
			return scn;
	return NULL;
}

static const char *sym_name(struct file *f, const GElf_Sym *sym)
{
	const char *name = elf_strptr(f->elf, f->strndx, sym->st_name);

	return name ? name : "";
}

/*
 * A module's name as the kernel knows it: [A-Za-z0-9_]+, shorter than
 * MODULE_NAME_LEN.  kbuild turns '-' into '_' in KBUILD_MODNAME, so a '-'
 * here can never match a loaded module.
 */
static const char *object_name_problem(const char *name)
{
	size_t i, len = strlen(name);

	if (!len)
		return "is empty";
	if (len >= MODULE_NAME_LEN)
		return "is too long for a module name";
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (c == '-')
			return "has a '-': module names use '_'";
		if (!(c == '_' || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return "is not a module name ([A-Za-z0-9_] only)";
	}
	return NULL;
}

static int open_file(struct file *f, const char *path, bool write)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->fd = open(path, write ? O_RDWR : O_RDONLY);
	if (f->fd < 0) {
		fail(f, "%s", strerror(errno));
		return -1;
	}
	f->elf = elf_begin(f->fd, write ? ELF_C_RDWR : ELF_C_READ, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF ||
	    !gelf_getehdr(f->elf, &f->ehdr)) {
		fail(f, "not an ELF file");
		return -1;
	}
	if (gelf_getclass(f->elf) != ELFCLASS64 ||
	    f->ehdr.e_machine != EM_X86_64 || f->ehdr.e_type != ET_REL) {
		fail(f, "not a relocatable x86-64 ELF object");
		return -1;
	}
	if (elf_getshdrstrndx(f->elf, &f->shstrndx)) {
		fail(f, "no section name table");
		return -1;
	}
	f->symtab = find_scn(f, ".symtab");
	if (f->symtab) {
		GElf_Shdr sh;

		gelf_getshdr(f->symtab, &sh);
		f->symtab_ndx = elf_ndxscn(f->symtab);
		f->strndx = sh.sh_link;
		f->symdata = elf_getdata(f->symtab, NULL);
		f->nr_syms = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
	}
	return 0;
}

static void close_file(struct file *f)
{
	size_t i;

	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	for (i = 0; i < f->nr_list; i++)
		free(f->list[i].klp_name);
	free(f->list);
	f->elf = NULL;
	f->fd = -1;
	f->list = NULL;
	f->nr_list = 0;
}

/* Read the KLPX_SYMBOLS() records; 0 with nr_list == 0 when there are none. */
static int read_list(struct file *f)
{
	Elf_Data *data;
	const unsigned char *p, *end;
	size_t n = 0, cap = 0;

	f->list_scn = find_scn(f, KLPX_SYMBOLS_SECTION);
	if (!f->list_scn)
		return 0;
	data = elf_getdata(f->list_scn, NULL);
	if (!data || !data->d_buf)
		return 0;
	p = data->d_buf;
	end = p + data->d_size;
	while (p < end) {
		uint32_t magic, nr, i;
		char object[KLPX_OBJECT_LEN + 1];

		if ((size_t)(end - p) < KLPX_HEADER_SIZE)
			goto corrupt;
		memcpy(&magic, p, 4);
		memcpy(&nr, p + 4, 4);
		if (magic == 0) {	/* padding between input sections */
			p += 8;
			continue;
		}
		if (magic != KLPX_SYMBOLS_MAGIC ||
		    (size_t)(end - p - KLPX_HEADER_SIZE) / KLPX_ENTRY_SIZE < nr)
			goto corrupt;
		/* Unterminated when too long: still seen as too long. */
		memcpy(object, p + 8, KLPX_OBJECT_LEN);
		object[KLPX_OBJECT_LEN] = 0;
		p += KLPX_HEADER_SIZE;
		for (i = 0; i < nr; i++, p += KLPX_ENTRY_SIZE) {
			struct listed *l;

			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				f->list = realloc(f->list, cap * sizeof(*l));
				if (!f->list) {
					fprintf(stderr, "%s: out of memory\n",
						tool);
					exit(1);
				}
			}
			l = &f->list[n++];
			memset(l, 0, sizeof(*l));
			memcpy(l->object, object, sizeof(l->object));
			memcpy(l->name, p, KLPX_SYMBOL_LEN);
			l->name[KLPX_SYMBOL_LEN - 1] = 0;
			memcpy(&l->pos, p + KLPX_SYMBOL_LEN, 8);
		}
		f->nr_list = n;
	}
	f->nr_list = n;
	return 0;

corrupt:
	f->nr_list = n;
	fail(f, "section %s is corrupt (was it written by this klpx's KLPX_SYMBOLS()?)",
	     KLPX_SYMBOLS_SECTION);
	return -1;
}

static bool is_init_section(const char *name)
{
	return !strncmp(name, ".init", 5) || !strncmp(name, ".exit", 5);
}

static size_t reloc_size(unsigned int type)
{
	switch (type) {
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	case R_X86_64_32:
	case R_X86_64_32S:
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		return 4;
	}
	return 0;
}

static struct listed *listed_of(struct file *f, size_t symndx)
{
	size_t i;

	for (i = 0; i < f->nr_list; i++)
		if (f->list[i].symndx == symndx)
			return &f->list[i];
	return NULL;
}

/* Is this a relocation section whose relocations the loader applies? */
static bool loaded_rela(struct file *f, Elf_Scn *scn, GElf_Shdr *sh,
			Elf_Scn **target)
{
	GElf_Shdr tsh;

	if (!gelf_getshdr(scn, sh))
		return false;
	if (sh->sh_type != SHT_RELA && sh->sh_type != SHT_REL)
		return false;
	if (sh->sh_link != f->symtab_ndx || !sh->sh_info)
		return false;
	*target = elf_getscn(f->elf, sh->sh_info);
	if (!*target || !gelf_getshdr(*target, &tsh))
		return false;
	return tsh.sh_flags & SHF_ALLOC;
}

/*
 * Check the list against the object: names, duplicates, each symbol
 * undefined here and referenced by code or data the loader relocates,
 * relocation types the kernel applies.  Logs every problem found.
 */
static int check_list(struct file *f)
{
	Elf_Scn *scn = NULL, *target;
	GElf_Shdr sh;
	size_t i, j;
	int bad = 0;

	if (!f->symtab) {
		fail(f, "no symbol table");
		return -1;
	}

	for (i = 0; i < f->nr_list; i++) {
		struct listed *l = &f->list[i];
		const char *why;
		int len;

		if (strcmp(l->object, "vmlinux") &&
		    (why = object_name_problem(l->object))) {
			fail(f, "KLPX_SYMBOLS(%s, ...): the object name %s",
			     l->object, why);
			bad = 1;
		}
		if (!l->name[0] || strchr(l->name, ',')) {
			fail(f, "KLPX_SYMBOLS(%s, ...): '%s' is not a symbol name",
			     l->object, l->name);
			bad = 1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(f->list[j].name, l->name))
				continue;
			fail(f, "symbol '%s' is listed twice (in KLPX_SYMBOLS(%s, ...) and KLPX_SYMBOLS(%s, ...))",
			     l->name, f->list[j].object, l->object);
			bad = 1;
			break;
		}
		len = asprintf(&l->klp_name, KLP_SYM_PREFIX "%s.%s,%llu",
			       l->object, l->name,
			       (unsigned long long)l->pos);
		if (len < 0) {
			fprintf(stderr, "%s: out of memory\n", tool);
			exit(1);
		}
	}
	if (bad)
		return -1;

	for (i = 1; i < f->nr_syms; i++) {
		GElf_Sym sym;
		const char *name;
		struct listed *l = NULL;

		gelf_getsym(f->symdata, (int)i, &sym);
		name = sym_name(f, &sym);
		if (!name[0])
			continue;
		for (j = 0; j < f->nr_list && !l; j++) {
			if (!strcmp(name, f->list[j].name))
				l = &f->list[j];
			else if (!strcmp(name, f->list[j].klp_name)) {
				l = &f->list[j];
				l->converted = true;
			}
		}
		if (!l)
			continue;
		if (!l->converted && sym.st_shndx != SHN_UNDEF) {
			fail(f, "symbol '%s' is listed in KLPX_SYMBOLS(%s, ...) but defined in this module",
			     l->name, l->object);
			bad = 1;
		}
		l->symndx = i;
	}

	while ((scn = elf_nextscn(f->elf, scn))) {
		Elf_Data *data;
		size_t n;

		if (!loaded_rela(f, scn, &sh, &target))
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (j = 0; j < n; j++) {
			GElf_Rela rela;
			GElf_Rel rel;
			struct listed *l;
			unsigned int type;
			size_t symndx;

			if (sh.sh_type == SHT_RELA) {
				gelf_getrela(data, (int)j, &rela);
				symndx = GELF_R_SYM(rela.r_info);
				type = GELF_R_TYPE(rela.r_info);
			} else {
				gelf_getrel(data, (int)j, &rel);
				symndx = GELF_R_SYM(rel.r_info);
				type = GELF_R_TYPE(rel.r_info);
			}
			l = symndx ? listed_of(f, symndx) : NULL;
			if (!l)
				continue;
			l->nr_relocs++;
			if (sh.sh_type != SHT_RELA || !reloc_size(type)) {
				fail(f, "relocation type %u against '%s' in %s cannot be made a livepatch relocation",
				     type, l->name, scn_name(f, target));
				bad = 1;
			}
			if (strcmp(l->object, "vmlinux") &&
			    is_init_section(scn_name(f, target))) {
				fail(f, "symbol '%s' of module '%s' is used in %s: module symbols are resolved after the init and exit sections are gone",
				     l->name, l->object, scn_name(f, target));
				bad = 1;
			}
		}
	}

	for (i = 0; i < f->nr_list; i++) {
		struct listed *l = &f->list[i];

		if (!l->symndx || (!l->converted && !l->nr_relocs)) {
			fail(f, "symbol '%s' is listed in KLPX_SYMBOLS(%s, ...) but the code never uses it",
			     l->name, l->object);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* Append @len bytes to a section as a new data block; returns their offset. */
static size_t append_data(Elf_Scn *scn, const void *buf, size_t len,
			  size_t align)
{
	Elf_Data *d = NULL, *nd;
	GElf_Shdr sh;
	size_t size = 0;
	void *copy;

	while ((d = elf_getdata(scn, d)))
		if (d->d_off + d->d_size > size)
			size = d->d_off + d->d_size;
	gelf_getshdr(scn, &sh);
	if (sh.sh_size > size)
		size = sh.sh_size;
	nd = elf_newdata(scn);
	copy = xcalloc(1, len);
	memcpy(copy, buf, len);
	nd->d_buf = copy;
	nd->d_size = len;
	nd->d_type = ELF_T_BYTE;
	nd->d_align = align;
	size = (size + align - 1) / align * align;
	nd->d_off = size;
	return size;
}

/*
 * Write through a copy: libelf writes the copy in place, which is renamed
 * over the original only when everything succeeded.
 */
static int copy_to_temp(const char *path, char **tmp)
{
	struct stat st;
	char buf[65536];
	ssize_t n;
	int in, out;

	if (asprintf(tmp, "%s.klpx-tmp", path) < 0)
		return -1;
	in = open(path, O_RDONLY);
	if (in < 0 || fstat(in, &st))
		return -1;
	out = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 07777);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (close(out) || n < 0) {
		unlink(*tmp);
		return -1;
	}
	return 0;
}

static int finish(struct file *f, const char *tmp, const char *path,
		  bool keep_mtime)
{
	struct stat st;
	int ret = 0;

	if (elf_update(f->elf, ELF_C_WRITE) < 0) {
		fail(f, "cannot write: %s", elf_errmsg(-1));
		ret = -1;
	}
	if (!ret && keep_mtime && !stat(path, &st)) {
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		futimens(f->fd, ts);
	}
	close_file(f);
	if (!ret && rename(tmp, path)) {
		fprintf(stderr, "%s: %s: %s\n", tool, path, strerror(errno));
		ret = -1;
	}
	if (ret)
		unlink(tmp);
	return ret;
}

/*
 * Open @path, read and check its list.  With @write, the file opened is a
 * temporary copy (*@tmp) that finish() renames over @path.
 */
static int load(struct file *f, const char *path, const char *list_path,
		bool write, char **tmp)
{
	int ret;

	*tmp = NULL;
	if (write && copy_to_temp(path, tmp)) {
		fprintf(stderr, "%s: %s: cannot copy: %s\n", tool, path,
			strerror(errno));
		memset(f, 0, sizeof(*f));
		f->fd = -1;
		return -1;
	}
	ret = open_file(f, write ? *tmp : path, write);
	f->path = path;
	if (!ret && list_path) {
		struct file lf;

		ret = open_file(&lf, list_path, false);
		if (!ret)
			ret = read_list(&lf);
		f->list = lf.list;
		f->nr_list = lf.nr_list;
		lf.list = NULL;
		lf.nr_list = 0;
		close_file(&lf);
	} else if (!ret) {
		ret = read_list(f);
	}
	if (!ret && f->nr_list)
		ret = check_list(f);
	if (ret && *tmp) {
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return ret;
}

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
