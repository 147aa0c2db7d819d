# SPDX-License-Identifier: GPL-2.0
"""Check a built patch module against the objects its code came from.

For each carried function, the linked module must describe it as the
"after" object did: as many entries in each metadata table (exception
table, alternatives, jump labels, static calls, BUG table, retpoline,
return and call-depth sites, __fentry__ sites, ORC) point into it; each
redirected function calls __fentry__ first; on IBT kernels the address
the patch redirects to begins with ENDBR.  Return: one line per
difference, none when the module is right.
"""

from collections import Counter

from klpx_carry import ENDBR64, OBJTOOL_OUTPUT, meta_sizes
from klpx_elf import STT_FUNC, Elf


def _entries(elf, sizes):
    """(table, function name) -> entries of the table describing it."""
    out = Counter()
    for sec in elf.sections:
        size = sizes.get(sec.name)
        if size is None:
            continue
        for r in sec.relas:
            if r.offset % size:
                continue
            tsec = elf.section_of(r.sym)
            if tsec is None:
                continue
            off = r.addend + (r.sym.value if r.sym.type == STT_FUNC else 0)
            name = _function_at(elf, tsec, off)
            if name:
                out[(sec.name, name)] += 1
    return out


def _function_at(elf, sec, off):
    """The function covering off, its padding (__pfx_) counted as its
    own, the file's name preferred to a global alias."""
    best = None
    for s in elf.symbols:
        if s.shndx != sec.idx or s.type != STT_FUNC:
            continue
        if not s.value <= off < s.value + max(s.size, 1):
            continue
        rank = (s.name.startswith('__pfx_'), s.name.startswith(
            ('__klpx_new_', '__pfx___klpx_new_')))
        if best is None or rank < best[0]:
            best = (rank, s.name)
    if best is None:
        return None
    name = best[1]
    return name[len('__pfx_'):] if name.startswith('__pfx_') else name


def verify(ko, carries, kversion, ibt, delayed):
    """delayed: objtool ran on the linked module, its tables are its own."""
    problems = []
    elf = Elf(ko)
    sizes = meta_sizes(kversion)
    have = _entries(elf, sizes)
    syms = {s.name: s for s in elf.symbols if s.type == STT_FUNC}
    for carry in carries:
        want = _entries(carry.after, sizes)
        names = {s.name for s in carry.symbols if s.type == STT_FUNC and
                 not s.name.startswith(('__pfx_', '__klpx_'))}
        for fname in sorted(names):
            if have[('.orc_unwind_ip', fname)] == 0:
                problems.append('%s: %s: no ORC entry in the module'
                                % (carry.src, fname))
        for (table, fname), n in sorted(want.items()):
            if delayed and table in OBJTOOL_OUTPUT:
                continue
            if fname in names and have[(table, fname)] != n:
                problems.append('%s: %s: %d entries of %s in the object, %d '
                                'in the module' % (carry.src, fname, n, table,
                                                   have[(table, fname)]))
        for fname, alias, endbr in carry.redirects:
            if have[('__mcount_loc', fname)] + \
                    have[('__patchable_function_entries', fname)] == 0:
                problems.append('%s: %s: no __fentry__ site in the module'
                                % (carry.src, fname))
            if not ibt:
                continue
            entry = syms.get(alias.replace('__klpx_new_', '__klpx_entry_')) \
                or syms.get(alias)
            sec = elf.section_of(entry) if entry else None
            if sec is None or sec.data[entry.value:entry.value + 4] != ENDBR64:
                problems.append('%s: %s: the redirect target does not begin '
                                'with ENDBR' % (carry.src, fname))
    return problems
