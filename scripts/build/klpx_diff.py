# SPDX-License-Identifier: GPL-2.0
"""Compare the "before" and "after" objects of one source file.

Both are built with -ffunction-sections -fdata-sections.  A function is
its symbol's byte range; two versions are the same when their bytes
match and their relocations match one by one, each relocation compared
by what it refers to (a symbol's name, a string's text, a constant's
bytes), never by offsets that move when unrelated code changes.  So a
changed static inline or macro shows in every caller it reaches.
"""

import re

from klpx_elf import (PC_RELATIVE, SHF_ALLOC, SHF_EXECINSTR, SHF_MERGE,
                      SHF_STRINGS, SHF_WRITE, STB_LOCAL, STT_FUNC,
                      STT_NOTYPE, STT_OBJECT, STT_SECTION, SHT_NOBITS)

# gcc's name for a function-local static or a numbered helper: "count.3".
_NUMBERED = re.compile(r'^(.*)\.(\d+)$')
# Parts of a function gcc moves out: they go with their function.
_PART = re.compile(r'^(.*?)\.(cold|part)(\.\d+)?$')


def _imm_size(code, off):
    """Bytes of immediate after the RIP-relative displacement at off."""
    if off < 2 or off + 4 > len(code):
        return 0
    modrm, op = code[off - 1], code[off - 2]
    if (modrm & 0xc7) != 0x05:
        return 0                 # not a RIP-relative ModRM (a data word)
    if off >= 3 and code[off - 3] == 0x0f:
        return 1 if op == 0xba else 0
    prefixes = code[max(0, off - 5):off - 2]
    wide = 2 if 0x66 in prefixes else 4
    reg = (modrm >> 3) & 7
    if op in (0xc6, 0x80, 0x83, 0xc0, 0xc1, 0x6b):
        return 1
    if op in (0xc7, 0x81, 0x69):
        return wide
    if op == 0xf6 and reg in (0, 1):
        return 1
    if op == 0xf7 and reg in (0, 1):
        return wide
    return 0


def ref_offset(elf, sec, r):
    """The offset in its target section that relocation r of sec means.

    For a PC-relative one the addend also holds the distance from the
    displacement to the end of its instruction: 4, plus an immediate.
    """
    if r.type not in PC_RELATIVE:
        return r.addend
    code = sec.data if sec.flags & SHF_EXECINSTR else b''
    return r.addend + 4 + _imm_size(code, r.offset)


def base_name(name):
    """The name with gcc's numbering of local statics removed."""
    m = _NUMBERED.match(name)
    return m.group(1) if m else name


def is_cold_part(name):
    return re.match(r'^.*\.cold(\.\d+)?$', name) is not None


def is_text(sec):
    return sec is not None and bool(sec.flags & SHF_EXECINSTR)


def is_init(sec):
    return sec is not None and (sec.name.startswith('.init.') or
                                sec.name.startswith('.exit.'))


def functions(elf):
    """name -> symbol of every defined function (no __pfx_ padding)."""
    out = {}
    for s in elf.symbols:
        if (s.type == STT_FUNC and s.defined and s.name and
                not s.name.startswith('__pfx_')):
            out[s.name] = s
    return out


def objects(elf):
    """name -> symbol of every defined data object."""
    out = {}
    for s in elf.symbols:
        if s.type == STT_OBJECT and s.defined and s.name:
            out[s.name] = s
    return out


def is_label(sym):
    """An assembler label (".LC7") kept in the symbol table: it stands
    for a place in its section, like a section symbol and an offset;
    gcc's numbering of them moves whenever a string is added."""
    return sym.type == STT_NOTYPE and sym.bind == STB_LOCAL and \
        sym.name.startswith('.L')


def target_key(elf, sec_of_r, r):
    """What relocation r (of section sec_of_r) refers to, independent of
    layout."""
    s = r.sym
    if s.type != STT_SECTION and not is_label(s):
        name = base_name(s.name) if s.bind == STB_LOCAL else s.name
        return ('sym', name, r.addend)
    sec = elf.section_of(s)
    if sec is None:
        return ('abs', r.addend)
    base = 0 if s.type == STT_SECTION else s.value
    adj = ref_offset(elf, sec_of_r, r)
    off = base + adj
    if sec.flags & SHF_MERGE and sec.flags & SHF_STRINGS:
        return ('str', sec.cstring(off), r.addend - adj)
    if sec.flags & SHF_MERGE and sec.entsize:
        start = off - off % sec.entsize
        return ('const', sec.data[start:start + sec.entsize],
                r.addend + base - start)
    inner = elf.symbol_at(sec, off)
    if inner is not None:
        name = base_name(inner.name) if inner.bind == STB_LOCAL else inner.name
        return ('sym', name, r.addend + base - inner.value)
    if sec.type != SHT_NOBITS and not sec.flags & SHF_WRITE:
        # anonymous read-only data (a table gcc made): its bytes
        return ('rodata', sec.name.split('.')[1:2], sec.data[off:off + 16],
                r.addend + base)
    return ('sec', sec.name, r.addend + base)


def body(elf, sym):
    """The bytes and keyed relocations of a symbol's range."""
    sec = elf.section_of(sym)
    lo, hi = sym.value, sym.value + sym.size
    data = b'' if sec.type == SHT_NOBITS else sec.data[lo:hi]
    relocs = [(r.offset - lo, r.type, target_key(elf, sec, r))
              for r in sec.relas if lo <= r.offset < hi]
    return (sym.size, data, relocs)


class Changes:
    """What differs between two objects of one file."""

    def __init__(self, before, after):
        self.before, self.after = before, after
        self._twins = {}         # after symbol idx -> (twin, why not)
        bf, af = functions(before), functions(after)
        bo, ao = objects(before), objects(after)
        self.changed = []        # functions in both, different
        self.new = []            # functions only in after
        self.init_changed = []   # __init/__exit functions that differ
        self.data_changed = []   # data objects whose initial value differs
        self.new_globals = []    # global data objects only in after
        self.new_data = []       # local data objects only in after
        for name, s in sorted(af.items()):
            if is_cold_part(name):
                continue
            old = bf.get(name)
            sec = after.section_of(s)
            if old is None:
                (self.init_changed if is_init(sec) else self.new).append(s)
                continue
            if self._differs(old, s):
                (self.init_changed if is_init(sec) else
                 self.changed).append(s)
        # a function whose moved-out part changed changed too
        for name, s in sorted(af.items()):
            if not is_cold_part(name):
                continue
            parent = _PART.match(name).group(1)
            old = bf.get(name)
            p = af.get(parent)
            if p is None or p in self.changed or p in self.new:
                continue
            if old is None or self._differs(old, s):
                if parent in bf:
                    self.changed.append(p)
                else:
                    self.new.append(p)
        bo_base = {}
        for name, s in bo.items():
            bo_base.setdefault(base_name(name) if s.bind == STB_LOCAL
                               else name, []).append(s)
        for name, s in sorted(ao.items()):
            key = base_name(name) if s.bind == STB_LOCAL else name
            olds = bo_base.get(key, [])
            if not olds:
                if s.bind == STB_LOCAL:
                    self.new_data.append(s)
                else:
                    self.new_globals.append(s)
                continue
            sec = after.section_of(s)
            if not (sec.flags & SHF_ALLOC) or is_init(sec):
                continue
            if all(self._differs(o, s) for o in olds):
                self.data_changed.append(s)

    def _differs(self, old, new):
        return body(self.before, old) != body(self.after, new)

    def before_twin(self, sym):
        """The before object's symbol that sym (of after) stands for.

        A function-local static is numbered by gcc in order of appearance
        ("count.1"; "__already_done.7", "__print_once.2", "descriptor.5"
        for each pr_*_once, WARN_ONCE or dynamic debug site): the twin is
        the one of the same base name that the same functions refer to,
        and of several, the one at the same place in the order of those
        the function refers to (the first of its three __already_done is
        the first of the original's three).  Return: the symbol, or None
        when there is none or no single one (twin_problem() says why).
        """
        if sym.idx not in self._twins:
            self._twins[sym.idx] = self._twin(sym)
        return self._twins[sym.idx][0]

    def twin_problem(self, sym):
        """Why sym has no single twin, in words."""
        self.before_twin(sym)
        return self._twins[sym.idx][1]

    def _twin(self, sym):
        stem = base_name(sym.name)
        bo = [s for s in self.before.symbols
              if s.defined and s.type == sym.type and s.name and
              (s.name == sym.name if sym.bind != STB_LOCAL
               else base_name(s.name) == stem)]
        if not bo:
            return None, 'the original has no %s' % stem
        if sym.bind != STB_LOCAL:
            return bo[0], None
        before_funcs = {s.name for s in self.before.symbols
                        if s.type == STT_FUNC and s.defined}
        users = sorted(f for f in _users(self.after, sym)
                       if f in before_funcs)
        picks = set()
        for f in users:
            mine = _numbered(self.after, stem, f, sym.type)
            theirs = _numbered(self.before, stem, f, sym.type)
            if len(mine) != len(theirs):
                return None, ('%s uses %d statics named %s, the original '
                              '%d: which are the original\'s cannot be told'
                              % (f, len(mine), stem, len(theirs)))
            picks.add(theirs[mine.index(sym)])
        if len(picks) == 1:
            return picks.pop(), None
        if picks:
            return None, ('%s match different statics named %s in the '
                          'original' % (', '.join(users), stem))
        # used by no function the original has: by name alone
        if len(bo) == 1:
            return bo[0], None
        exact = [s for s in bo if s.name == sym.name]
        if len(exact) == 1:
            return exact[0], None
        return None, ('%d statics named %s in the original, none used by '
                      'the same function' % (len(bo), stem))


def _number(sym):
    m = _NUMBERED.match(sym.name)
    return int(m.group(2)) if m else -1


def _numbered(elf, stem, func, typ):
    """The statics of base name stem that function func refers to, in
    gcc's numbering order (the order of the source)."""
    out = [s for s in elf.symbols
           if s.defined and s.type == typ and s.bind == STB_LOCAL and
           s.name and base_name(s.name) == stem and func in _users(elf, s)]
    return sorted(out, key=_number)


def unchanged_users(changes, sym):
    """What in the after object refers to function sym and is not carried:
    the names of unchanged functions, and of data (a function pointer in
    an initialised table) that keep calling it as it was declared.
    Metadata tables (ftrace sites, ORC, exception table...) do not count.
    """
    elf = changes.after
    carried = {s.name for s in changes.changed + changes.new}
    out = []
    for sec in elf.sections:
        data = not is_text(sec) and sec.flags & SHF_ALLOC and \
            sec.name.startswith(('.data', '.rodata', '.bss', '.ref.data'))
        if not (is_text(sec) or data):
            continue
        for r in sec.relas:
            if r.sym is not sym and not (
                    r.sym.type == STT_SECTION and r.sym.shndx == sym.shndx and
                    sym.value <= ref_offset(elf, sec, r) <
                    sym.value + max(sym.size, 1)):
                continue
            user = elf.symbol_at(sec, r.offset)
            name = user.name if user is not None else sec.name
            if is_text(sec) and (name in carried or is_cold_part(name) and
                                 _PART.match(name).group(1) in carried):
                continue
            if name not in out:
                out.append(name)
    return out


def _users(elf, sym):
    """Names of the functions whose code refers to sym."""
    memo = elf.__dict__.setdefault('_klpx_users', {})
    if sym.idx not in memo:
        memo[sym.idx] = _find_users(elf, sym)
    return memo[sym.idx]


def _find_users(elf, sym):
    out = set()
    for sec in elf.sections:
        if not is_text(sec):
            continue
        for r in sec.relas:
            t = r.sym
            if t is not sym:
                if t.type != STT_SECTION or t.shndx != sym.shndx:
                    continue
                off = ref_offset(elf, sec, r)
                if not sym.value <= off < sym.value + max(sym.size, 1):
                    continue
            f = elf.symbol_at(sec, r.offset)
            if f is not None:
                out.add(f.name)
    return out
