/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86-64 relocation types a KLPX_SYMBOLS() symbol may be used
 * through, and the bytes each one writes.  core/symbols.c zeroes those
 * bytes when an object stops being patched; scripts/klpx-syms.c, built
 * for the host, refuses any other type, so that nothing klpx writes is
 * left behind.  Both get R_X86_64_* from their own elf.h.
 */
#ifndef _KLPX_CORE_RELOC_H
#define _KLPX_CORE_RELOC_H

/* Return: the bytes a relocation of @type writes, 0 for other types. */
static inline size_t klpx_reloc_size(unsigned int type)
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

#endif /* _KLPX_CORE_RELOC_H */
