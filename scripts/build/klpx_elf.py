# SPDX-License-Identifier: GPL-2.0
"""ELF64 little-endian relocatable objects (x86-64): read one, write one.

Only what klpx-build needs: sections with their bytes, the symbol table,
and RELA relocations grouped by the section they apply to.  The writer
lays out a fresh relocatable object from sections, symbols and
relocations given as plain Python objects.
"""

import lzma
import struct

SHT_NULL, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_RELA = 0, 1, 2, 3, 4
SHT_NOBITS, SHT_GROUP, SHT_SYMTAB_SHNDX = 8, 17, 18
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
SHF_MERGE, SHF_STRINGS, SHF_INFO_LINK, SHF_GROUP = 0x10, 0x20, 0x40, 0x200
SHF_LINK_ORDER = 0x80
STB_LOCAL, STB_GLOBAL, STB_WEAK = 0, 1, 2
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION, STT_FILE = 0, 1, 2, 3, 4
SHN_UNDEF, SHN_ABS, SHN_COMMON = 0, 0xfff1, 0xfff2

R_X86_64_64, R_X86_64_PC32, R_X86_64_32, R_X86_64_32S = 1, 2, 10, 11
R_X86_64_PLT32, R_X86_64_PC64 = 4, 24
PC_RELATIVE = (R_X86_64_PC32, R_X86_64_PLT32, R_X86_64_PC64)


class Section:
    def __init__(self, **kw):
        self.idx = 0
        self.name = ''
        self.type = SHT_PROGBITS
        self.flags = 0
        self.size = 0
        self.link = 0
        self.info = 0
        self.align = 1
        self.entsize = 0
        self.data = b''
        self.relas = []          # Rela applying to this section
        self.link_to = None      # with SHF_LINK_ORDER: the Section it follows
        self.__dict__.update(kw)

    def cstring(self, off):
        if off < 0 or off >= len(self.data):
            return None
        end = self.data.find(b'\0', off)
        return self.data[off:end if end >= 0 else len(self.data)]


class Symbol:
    def __init__(self, **kw):
        self.idx = 0
        self.name = ''
        self.value = 0
        self.size = 0
        self.bind = STB_LOCAL
        self.type = STT_NOTYPE
        self.other = 0
        self.shndx = SHN_UNDEF
        self.__dict__.update(kw)

    @property
    def defined(self):
        return self.shndx not in (SHN_UNDEF, SHN_COMMON)


class Rela:
    def __init__(self, offset, type, sym, addend):
        self.offset = offset
        self.type = type
        self.sym = sym           # a Symbol
        self.addend = addend


class Elf:
    """A relocatable object, or (symbols only) any ELF64 file."""

    def __init__(self, path):
        self.path = path
        raw = open(path, 'rb').read()
        if path.endswith('.xz'):
            raw = lzma.decompress(raw)
        if raw[:4] != b'\x7fELF' or raw[4] != 2 or raw[5] != 1:
            raise ValueError('%s: not an ELF64 little-endian file' % path)
        (self.type, self.machine, _, _, _, shoff, _, _, _, _, shentsize,
         shnum, shstrndx) = struct.unpack_from('<HHIQQQIHHHHHH', raw, 16)
        self.sections = []
        for i in range(shnum):
            (name, typ, flags, _, off, size, link, info, align,
             entsize) = struct.unpack_from('<IIQQQQIIQQ', raw,
                                           shoff + i * shentsize)
            data = raw[off:off + size] if typ != SHT_NOBITS else b''
            self.sections.append(Section(idx=i, name=name, type=typ,
                                         flags=flags, size=size, link=link,
                                         info=info, align=align,
                                         entsize=entsize, data=data))
        names = self.sections[shstrndx].data
        for s in self.sections:
            s.name = _str(names, s.name)
            if s.flags & SHF_LINK_ORDER and 0 < s.link < shnum:
                s.link_to = self.sections[s.link]
        self.symbols = []
        symtab = next((s for s in self.sections if s.type == SHT_SYMTAB),
                      None)
        if symtab:
            strs = self.sections[symtab.link].data
            for i in range(len(symtab.data) // 24):
                name, info, other, shndx, value, size = struct.unpack_from(
                    '<IBBHQQ', symtab.data, i * 24)
                self.symbols.append(Symbol(
                    idx=i, name=_str(strs, name), value=value, size=size,
                    bind=info >> 4, type=info & 15, other=other,
                    shndx=shndx))
        for s in self.sections:
            if s.type != SHT_RELA or not (0 < s.info < len(self.sections)):
                continue
            target = self.sections[s.info]
            for i in range(len(s.data) // 24):
                off, info, addend = struct.unpack_from('<QQq', s.data, i * 24)
                target.relas.append(Rela(off, info & 0xffffffff,
                                         self.symbols[info >> 32], addend))
        for s in self.sections:
            s.relas.sort(key=lambda r: r.offset)

    def section_of(self, sym):
        if 0 < sym.shndx < len(self.sections):
            return self.sections[sym.shndx]
        return None

    def symbol_at(self, sec, off):
        """The named function or object symbol of sec covering off."""
        best = None
        for s in self.symbols:
            if s.shndx != sec.idx or s.type not in (STT_FUNC, STT_OBJECT):
                continue
            if s.value <= off < s.value + max(s.size, 1):
                if best is None or best.name.startswith('__pfx_'):
                    best = s
        return best


def _str(table, off):
    end = table.find(b'\0', off)
    return table[off:end].decode('utf-8', 'replace')


def write_object(path, sections, symbols):
    """Write a relocatable x86-64 object.

    sections: Section objects (data, relas with Rela.sym among symbols);
    symbols: Symbol objects, the null symbol excluded, whose shndx is a
    Section of sections (or SHN_UNDEF/SHN_ABS).  Locals are put first.
    """
    locals_ = [s for s in symbols if s.bind == STB_LOCAL]
    globals_ = [s for s in symbols if s.bind != STB_LOCAL]
    ordered = locals_ + globals_
    strtab = bytearray(b'\0')
    stroff = {}

    def addstr(tab, offs, name):
        if name not in offs:
            offs[name] = len(tab)
            tab += name.encode() + b'\0'
        return offs[name]

    # Section header indices: 0 null, then sections, then their relas,
    # then .symtab, .strtab, .shstrtab.
    out = [None]
    for s in sections:
        out.append(s)
    secidx = {id(s): i for i, s in enumerate(out) if s is not None}
    relsecs = [s for s in sections if s.relas]
    first_rela = len(out)
    symtab_idx = first_rela + len(relsecs)
    strtab_idx = symtab_idx + 1
    shstr_idx = strtab_idx + 1

    symidx = {}
    symdata = bytearray(24)
    for i, s in enumerate(ordered, 1):
        symidx[id(s)] = i
        shndx = s.shndx
        if isinstance(shndx, Section):
            shndx = secidx[id(shndx)]
        name = addstr(strtab, stroff, s.name) if s.name else 0
        symdata += struct.pack('<IBBHQQ', name, (s.bind << 4) | s.type,
                               s.other, shndx, s.value, s.size)

    shstr = bytearray(b'\0')
    shoffs = {}
    headers = []
    body = bytearray()

    def place(data, align):
        pad = (-(64 + len(body))) % max(align, 1)
        body.extend(b'\0' * pad)
        off = 64 + len(body)
        body.extend(data)
        return off

    headers.append((0, SHT_NULL, 0, 0, 0, 0, 0, 0, 0))
    for s in sections:
        data = b'' if s.type == SHT_NOBITS else bytes(s.data)
        off = place(data, s.align)
        flags, link = s.flags & ~SHF_GROUP, 0
        if flags & SHF_LINK_ORDER:
            if s.link_to is not None and id(s.link_to) in secidx:
                link = secidx[id(s.link_to)]
            else:
                flags &= ~SHF_LINK_ORDER
        headers.append((addstr(shstr, shoffs, s.name), s.type, flags, off,
                        s.size if s.type == SHT_NOBITS else len(data),
                        link, 0, s.align, s.entsize))
    for s in relsecs:
        data = bytearray()
        for r in s.relas:
            data += struct.pack('<QQq', r.offset,
                                (symidx[id(r.sym)] << 32) | r.type, r.addend)
        off = place(bytes(data), 8)
        headers.append((addstr(shstr, shoffs, '.rela' + s.name), SHT_RELA,
                        SHF_INFO_LINK, off, len(data), symtab_idx,
                        secidx[id(s)], 8, 24))
    off = place(bytes(symdata), 8)
    headers.append((addstr(shstr, shoffs, '.symtab'), SHT_SYMTAB, 0, off,
                    len(symdata), strtab_idx, len(locals_) + 1, 8, 24))
    off = place(bytes(strtab), 1)
    headers.append((addstr(shstr, shoffs, '.strtab'), SHT_STRTAB, 0, off,
                    len(strtab), 0, 0, 1, 0))
    name = addstr(shstr, shoffs, '.shstrtab')
    off = place(bytes(shstr), 1)
    headers.append((name, SHT_STRTAB, 0, off, len(shstr), 0, 0, 1, 0))

    pad = (-(64 + len(body))) % 8
    body.extend(b'\0' * pad)
    shoff = 64 + len(body)
    ehdr = (b'\x7fELF\x02\x01\x01' + b'\0' * 9 +
            struct.pack('<HHIQQQIHHHHHH', 1, 62, 1, 0, 0, shoff, 0, 64, 0, 0,
                        64, len(headers), shstr_idx))
    shdrs = bytearray()
    for (n, t, f, o, sz, l, inf, al, es) in headers:
        shdrs += struct.pack('<IIQQQQIIQQ', n, t, f, 0, o, sz, l, inf, al, es)
    with open(path, 'wb') as f:
        f.write(ehdr + bytes(body) + bytes(shdrs))
