/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klpx-syms: what its two files share.  klpx-syms-elf.c opens a module's
 * ELF file, reads and checks its KLPX_SYMBOLS() list and writes the file
 * back through a copy; klpx-syms.c holds the commands (prepare, convert,
 * list) built on that.
 */
#ifndef KLPX_SYMS_H
#define KLPX_SYMS_H

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

/* The relocation types klpx can clear again (shared with core/symbols.c). */
#include "../core/reloc.h"

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

/* The program's name, for messages. */
extern const char *tool;

void __attribute__((format(printf, 2, 3)))
fail(const struct file *f, const char *fmt, ...);
void *xcalloc(size_t n, size_t size);
const char *scn_name(struct file *f, Elf_Scn *scn);
Elf_Scn *find_scn(struct file *f, const char *name);
int open_file(struct file *f, const char *path, bool write);
void close_file(struct file *f);
int read_list(struct file *f);
struct listed *listed_of(struct file *f, size_t symndx);
bool loaded_rela(struct file *f, Elf_Scn *scn, GElf_Shdr *sh,
		 Elf_Scn **target);
size_t append_data(Elf_Scn *scn, const void *buf, size_t len, size_t align);
int finish(struct file *f, const char *tmp, const char *path,
	   bool keep_mtime);
int load(struct file *f, const char *path, const char *list_path,
	 bool write, char **tmp);

#endif /* KLPX_SYMS_H */
