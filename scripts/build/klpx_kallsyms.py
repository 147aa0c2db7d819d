# SPDX-License-Identifier: GPL-2.0
"""The names of vmlinux's kallsyms table, read from the Debian image.

Debian ships no System.map (its file is a placeholder) and no symbol
table in vmlinuz; the kallsyms table the kernel itself searches is in
the image, compressed like the rest.  It is found by its shape:
kallsyms_token_index (256 increasing u16 offsets, the first 0) right
after kallsyms_token_table (the 256 NUL-terminated tokens they point
to), and kallsyms_num_syms followed by kallsyms_names (one entry per
symbol: a length, one or two bytes, then that many token numbers) and
kallsyms_markers (0, then the offset of every 256th entry).  The
expanded names, type letter first, are in kallsyms order: the order in
which the kernel counts a sympos.  The list is cached in the build cache.
"""

import lzma
import os
import re
import struct
import subprocess

from klpx_elf import (PC_RELATIVE, R_X86_64_32S, R_X86_64_64, R_X86_64_PC64,
                      SHF_EXECINSTR, STT_FUNC, STT_SECTION)

_TYPES = set(b'tTdDbBrRaAvVwWuUnNgGsSiI')
_NO_USER = 'no function of the file refers to it'


def _decompress(vmlinuz):
    raw = open(vmlinuz, 'rb').read()
    i = raw.find(b'\xfd7zXZ\x00')
    if i >= 0:
        return lzma.LZMADecompressor().decompress(raw[i:])
    i = raw.find(b'\x28\xb5\x2f\xfd')
    if i >= 0:
        r = subprocess.run(['zstd', '-dc'], input=raw[i:],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if r.stdout:
            return r.stdout
    raise ValueError('%s: no xz or zstd payload' % vmlinuz)


def _tokens(data):
    """(token list, start of the token table)."""
    pat = re.compile(rb'\x00\x00(?:[\x01-\xff][\x00-\x0f]|\x00[\x01-\x0f])'
                     rb'{255}', re.S)
    for m in pat.finditer(data):
        at = m.start()
        if at % 2:
            continue
        idx = struct.unpack_from('<256H', data, at)
        if any(idx[i] >= idx[i + 1] for i in range(255)):
            continue
        for pad in range(8):
            end = at - pad
            if data[end - 1] != 0:
                continue
            prev = data.rfind(b'\x00', 0, end - 1)
            start = prev + 1 - idx[255]
            table = data[start:end]
            if len(table) != idx[255] + (end - 1 - prev):
                continue
            toks = []
            for i in range(256):
                stop = table.find(b'\x00', idx[i])
                tok = table[idx[i]:stop]
                if not tok or (i < 255 and stop + 1 != idx[i + 1]):
                    break
                toks.append(tok)
            if len(toks) == 256:
                return toks, start, at
    raise ValueError('no kallsyms token table found')


def _names_at(data, start, count, toks):
    out = []
    p = start
    for _ in range(count):
        n = data[p]
        p += 1
        if n & 0x80:
            n = (n & 0x7f) | (data[p] << 7)
            p += 1
        if n == 0 or p + n > len(data):
            return None, p
        out.append(b''.join(toks[t] for t in data[p:p + n]))
        p += n
    return out, p


def _names(data, toks, table_start):
    """Find kallsyms_num_syms and kallsyms_names below the token table."""
    lo = max(0, table_start - (32 << 20))
    for p in range(table_start - table_start % 8, lo, -8):
        count = struct.unpack_from('<I', data, p)[0]
        if not 10000 < count < 2000000:
            continue
        names, _ = _names_at(data, p + 8, 64, toks)
        if not names or any(not n or n[0] not in _TYPES for n in names):
            continue
        names, end = _names_at(data, p + 8, count, toks)
        if not names:
            continue
        m = end + (-end) % 8
        if struct.unpack_from('<I', data, m)[0] != 0:
            continue
        return names, p
    raise ValueError('no kallsyms_names found')


class Kallsyms:
    def __init__(self, root, kver, cache):
        vmlinuz = os.path.join(root, 'boot', 'vmlinuz-' + kver)
        if not os.path.exists(cache) or \
                os.path.getmtime(cache) < os.path.getmtime(vmlinuz):
            data = _decompress(vmlinuz)
            toks, start, _ = _tokens(data)
            names, _ = _names(data, toks, start)
            tmp = cache + '.tmp.%d' % os.getpid()
            with open(tmp, 'wb') as f:
                f.write(b'\n'.join(names) + b'\n')
            os.rename(tmp, cache)
        lines = [l for l in open(cache, 'rb').read()
                 .decode('utf-8', 'replace').split('\n') if l]
        self.vmlinuz = vmlinuz
        self.image = None
        self.types = [l[0] for l in lines]
        self.names = [l[1:] for l in lines]
        self.index = {}
        for i, n in enumerate(self.names):
            self.index.setdefault(n, []).append(i)

    def position(self, name, carry, problem):
        """sympos of name as carry's file defines or uses it."""
        where = self.index.get(name, [])
        if not where:
            problem('%s: %s: vmlinux of this kernel has no such symbol'
                    % (carry.src, name))
            return 0
        if len(where) == 1:
            return 0
        if any(s.name == name and s.defined and s.type == 1
               for s in carry.ch.before.symbols):
            # a variable of the file (a static local): where the running
            # kernel's own code of the file points
            n, why = self.from_code(name, carry)
            if n is not None:
                return n
            if why != _NO_USER:
                problem('%s: %s: %d symbols of that name in vmlinux, and the '
                        'running kernel\'s code does not tell which: %s' % (
                            carry.src, name, len(where), why))
                return 0
            # only data refers to it: the file's neighbours tell
        mine = [s for s in carry.after.symbols if s.name == name and s.defined]
        if not mine:
            # another file's global: the one global of that name
            glob = [n for n, i in enumerate(where, 1) if self.types[i].isupper()]
            if len(glob) == 1:
                return glob[0]
            problem('%s: %s: %d symbols of that name in vmlinux and this '
                    'file does not define it' % (carry.src, name, len(where)))
            return 0
        # Of several, the one among this file's other symbols of the same
        # kind (code or data) that vmlinux has under a unique name.
        text = mine[0].type == 2
        anchors = []
        for s in carry.after.symbols:
            if s.defined and s.name and s.type == (2 if text else 1):
                w = self.index.get(s.name)
                if w and len(w) == 1:
                    anchors.append(w[0])
        if not anchors:
            problem('%s: %s: %d symbols of that name in vmlinux, and none '
                    'of this file\'s symbols to tell which' % (
                        carry.src, name, len(where)))
            return 0
        lo, hi = min(anchors), max(anchors)
        dist = [(max(lo - i, i - hi, 0), n) for n, i in enumerate(where, 1)]
        dist.sort()
        if dist[0][0] == dist[1][0] or dist[0][0] > 20000:
            problem('%s: %s: %d symbols of that name in vmlinux, none '
                    'clearly this file\'s' % (carry.src, name, len(where)))
            return 0
        return dist[0][1]

    def from_code(self, name, carry):
        """(sympos, None) of the before object's variable name, read from
        the image: a function of the file that refers to it is found by
        its kallsyms position, the instruction the relocation patched is
        read back, and the address it reaches is looked up among the
        entries of that name; (None, why) when that cannot be done or
        the functions disagree."""
        if self.image is None:
            self.image = Image(self.vmlinuz)
            if self.image.names != [t + n for t, n in zip(self.types,
                                                          self.names)]:
                raise ValueError('the kallsyms of %s changed' % self.vmlinuz)
        before = carry.ch.before
        var = next(s for s in before.symbols
                   if s.name == name and s.defined and s.type == 1)
        homes = {self.image.addrs[i]: n
                 for n, i in enumerate(self.index[name], 1)}
        found, why = set(), _NO_USER
        for sec in before.sections:
            if not sec.flags & SHF_EXECINSTR:
                continue
            for r in sec.relas:
                if r.sym is not var and not (
                        r.sym.type == STT_SECTION and
                        r.sym.shndx == var.shndx):
                    continue
                f = before.symbol_at(sec, r.offset)
                if f is None or f.type != STT_FUNC:
                    continue
                where = self.index.get(f.name, [])
                if len(where) == 1:
                    at = where[0]
                else:
                    quiet = []
                    n = self.position(f.name, carry, quiet.append)
                    if quiet or not n:
                        why = 'the position of %s is not known' % f.name
                        continue
                    at = where[n - 1]
                place = self.image.addrs[at] + r.offset - f.value
                addr = _reached(self.image, place, r)
                if addr is None:
                    why = 'a relocation of %s cannot be read' % f.name
                    continue
                if r.sym is not var:
                    addr += var.value
                if addr in homes:
                    found.add(homes[addr])
                elif r.sym is var:
                    why = '%s reaches none of them' % f.name
        if len(found) == 1:
            return found.pop(), None
        if found:
            return None, 'its users reach different ones'
        return None, why


def _reached(image, place, r):
    """The symbol value S (S + A computed by the linker) of relocation r
    applied at address place of the image."""
    if r.type in PC_RELATIVE and r.type != R_X86_64_PC64:
        raw = image.read(place, 4)
        return None if raw is None else \
            (place + struct.unpack('<i', raw)[0] - r.addend) % (1 << 64)
    if r.type == R_X86_64_32S:
        raw = image.read(place, 4)
        return None if raw is None else \
            (struct.unpack('<i', raw)[0] - r.addend) % (1 << 64)
    if r.type == R_X86_64_64:
        raw = image.read(place, 8)
        return None if raw is None else \
            (struct.unpack('<Q', raw)[0] - r.addend) % (1 << 64)
    return None


def _addresses(data, count, num_at, index_at):
    """The address of each kallsyms entry, in kallsyms order.

    kallsyms_offsets (count s32) and kallsyms_relative_base (u64) sit
    just before kallsyms_num_syms up to 6.3, just after
    kallsyms_token_index from 6.4; each label 8-aligned.  With
    ABSOLUTE_PERCPU (Debian's x86-64), an offset >= 0 is an absolute
    value (per-CPU), a negative one counts down from relative_base - 1.
    The table is sorted by address: that is how the right layout is told.
    """
    after_index = index_at + 512 + (-(index_at + 512)) % 8
    starts = [num_at - 8 - 4 * count, num_at - 12 - 4 * count, after_index]
    for off_at in starts:
        base_at = off_at + 4 * count
        base_at += (-base_at) % 8
        if off_at < 0 or base_at + 8 > len(data):
            continue
        if off_at != after_index and base_at != num_at - 8:
            continue
        base = struct.unpack_from('<Q', data, base_at)[0]
        offs = struct.unpack_from('<%di' % count, data, off_at)
        addrs = [o if o >= 0 else base - 1 - o for o in offs]
        if base >> 63 and all(addrs[i] <= addrs[i + 1]
                              for i in range(count - 1)):
            return addrs
    raise ValueError('no kallsyms_offsets found')


class Image:
    """The decompressed vmlinux of a Debian image: kallsyms with the
    address of each entry, and the bytes at an address."""

    def __init__(self, vmlinuz):
        data = _decompress(vmlinuz)
        if data[:4] != b'\x7fELF':
            raise ValueError('%s: the payload is not an ELF file' % vmlinuz)
        self.data = data
        phoff, = struct.unpack_from('<Q', data, 32)
        phentsize, phnum = struct.unpack_from('<HH', data, 54)
        self.loads = []
        for i in range(phnum):
            typ, _, off, vaddr, _, filesz = struct.unpack_from(
                '<IIQQQQ', data, phoff + i * phentsize)
            if typ == 1:
                self.loads.append((vaddr, off, filesz))
        toks, start, index_at = _tokens(data)
        self.names, num_at = _names(data, toks, start)
        self.names = [n.decode('utf-8', 'replace') for n in self.names]
        self.addrs = _addresses(data, len(self.names), num_at, index_at)

    def read(self, addr, size):
        """size bytes at addr, or None outside the image's file."""
        for vaddr, off, filesz in self.loads:
            if vaddr <= addr and addr + size <= vaddr + filesz:
                return self.data[off + addr - vaddr:off + addr - vaddr + size]
        return None
