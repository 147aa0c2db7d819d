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

_TYPES = set(b'tTdDbBrRaAvVwWuUnNgGsSiI')


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
                return toks, start
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
        return names
    raise ValueError('no kallsyms_names found')


class Kallsyms:
    def __init__(self, root, kver, cache):
        vmlinuz = os.path.join(root, 'boot', 'vmlinuz-' + kver)
        if not os.path.exists(cache) or \
                os.path.getmtime(cache) < os.path.getmtime(vmlinuz):
            data = _decompress(vmlinuz)
            toks, start = _tokens(data)
            names = _names(data, toks, start)
            tmp = cache + '.tmp.%d' % os.getpid()
            with open(tmp, 'wb') as f:
                f.write(b'\n'.join(names) + b'\n')
            os.rename(tmp, cache)
        lines = [l for l in open(cache, 'rb').read()
                 .decode('utf-8', 'replace').split('\n') if l]
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
