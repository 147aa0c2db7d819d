// SPDX-License-Identifier: GPL-2.0
/*
 * klpx-syms-elf.c - the ELF side of klpx-syms: open a module's object or
 * .ko, read its KLPX_SYMBOLS() list and check it against the symbols and
 * relocations, and write changes back through a copy renamed over the
 * original only when everything succeeded.
 */
#define _GNU_SOURCE
#include "klpx-syms.h"

void __attribute__((format(printf, 2, 3)))
fail(const struct file *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", tool, f->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", tool);
		exit(1);
	}
	return p;
}

const char *scn_name(struct file *f, Elf_Scn *scn)
{
	GElf_Shdr sh;
	const char *name;

	if (!gelf_getshdr(scn, &sh))
		return "?";
	name = elf_strptr(f->elf, f->shstrndx, sh.sh_name);
	return name ? name : "?";
}

Elf_Scn *find_scn(struct file *f, const char *name)
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

int open_file(struct file *f, const char *path, bool write)
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

void close_file(struct file *f)
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
int read_list(struct file *f)
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

struct listed *listed_of(struct file *f, size_t symndx)
{
	size_t i;

	for (i = 0; i < f->nr_list; i++)
		if (f->list[i].symndx == symndx)
			return &f->list[i];
	return NULL;
}

/* Is this a relocation section whose relocations the loader applies? */
bool loaded_rela(struct file *f, Elf_Scn *scn, GElf_Shdr *sh,
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
			if (sh.sh_type != SHT_RELA || !klpx_reloc_size(type)) {
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
size_t append_data(Elf_Scn *scn, const void *buf, size_t len,
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

int finish(struct file *f, const char *tmp, const char *path,
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
int load(struct file *f, const char *path, const char *list_path,
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
