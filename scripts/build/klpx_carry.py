# SPDX-License-Identifier: GPL-2.0
"""Carry the changed functions of one "after" object into a new object.

Kept: the sections of the changed functions, of new functions and new
static data they use, of anonymous read-only data (strings, constants),
of the shadow types the fix defines, and the entries of kernel metadata
tables (exception table, alternatives, jump labels, static calls, BUG
table, retpoline/return/call-depth sites, ORC, __fentry__ sites) that
describe kept code.  Everything else the kept code refers to becomes an
undefined symbol bound to the running kernel's own: unchanged functions,
existing variables (function-local statics included: the original's,
never a copy), other files' symbols.  Each changed function gets a
global alias __klpx_new_<n> the generated patch points to.
"""

from klpx_diff import (base_name, is_cold_part, is_label, is_text,
                       ref_offset)
from klpx_elf import (PC_RELATIVE, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE,
                      SHT_NOBITS, SHT_PROGBITS, STB_GLOBAL, STB_LOCAL,
                      STT_FUNC, STT_NOTYPE, STT_OBJECT, STT_SECTION,
                      Rela, Section, Symbol)

ENDBR64 = b'\xf3\x0f\x1e\xfa'

# Tables whose entries describe code, by entry size (x86-64).  An entry
# is kept when its first relocation points into kept code.
def meta_sizes(kversion):
    alt = 14 if kversion >= (6, 3) else 12   # struct alt_instr grew ft_flags
    return {
        '__mcount_loc': 8,
        '__patchable_function_entries': 8,
        '__ex_table': 12,
        '__bug_table': 12,
        '__jump_table': 16,
        '.static_call_sites': 8,
        '.retpoline_sites': 4,
        '.return_sites': 4,
        '.call_sites': 4,
        '.smp_locks': 4,
        '.altinstructions': alt,
        '.orc_unwind_ip': 4,
    }

# What objtool writes.  Where kbuild runs objtool on the linked patch
# module (kernels with IBT, like 6.12: "delayed objtool"), these are left
# out of carried code and objtool writes them afresh for the whole module,
# from the code and the annotations (.discard.*) that are carried instead.
OBJTOOL_OUTPUT = ('.orc_unwind_ip', '.orc_unwind', '.orc_header',
                  '.return_sites', '.retpoline_sites', '.call_sites',
                  '.static_call_sites', '.ibt_endbr_seal')

# Sections that may point at carried code and are left out on purpose.
DROPPED = ('.discard.', '.note', '.comment', '.ibt_endbr_seal', '__ksymtab',
           '___ksymtab', '.export_symbol', '__kstrtab', '.debug', '.BTF',
           '.initcall', '__initcall', '.init.', '.exit.', '.rela', '.symtab',
           '.strtab', '.shstrtab')


class Refusal(Exception):
    pass


class Carry:
    """One carried object: sections, symbols and what they need."""

    def __init__(self, changes, src, kversion, shadow_names, counter,
                 delayed=False):
        self.ch = changes
        self.after = changes.after
        self.src = src
        self.kversion = kversion
        self.shadow_names = set(shadow_names)
        self.counter = counter
        self.delayed = delayed   # objtool runs on the linked module
        self.problems = []
        self.kept = {}           # after section idx -> new Section
        self.externs = {}        # name -> (Symbol, was defined in after)
        self.redirects = []      # (function name, alias)
        self.types = []          # (type variable, alias)
        self.changed = {s.name for s in changes.changed}
        before_funcs = {s.name for s in changes.before.symbols
                        if s.type == STT_FUNC and s.defined}
        self.before_funcs = before_funcs

    def problem(self, func, why):
        line = '%s: %s: %s' % (self.src, func, why)
        if line not in self.problems:
            self.problems.append(line)

    # -- what a reference becomes ------------------------------------
    def decide(self, sym):
        """'keep' or 'extern' for a named symbol of the after object."""
        if not sym.defined:
            return 'extern'
        sec = self.after.section_of(sym)
        if sym.type == STT_FUNC:
            if sym.name in self.changed or is_cold_part(sym.name):
                return 'keep'
            if sym.name not in self.before_funcs:
                return 'keep'
            return 'extern'
        if sym.type == STT_OBJECT:
            if sym.name in self.shadow_names:
                return 'keep'
            if not (sec.flags & SHF_WRITE or sec.type == SHT_NOBITS):
                return 'keep'    # read-only: a copy is as good
            if sym in self.ch.new_data or sym in self.ch.new_globals:
                return 'keep'
            if self.ch.before_twin(sym) is None:
                return 'ambiguous'
            return 'extern'
        if is_label(sym):
            return 'keep'        # a place in data: its section goes along
        return 'keep' if sym.shndx in self.kept else 'label'

    def extern(self, sym):
        """The undefined symbol standing for sym (bound to the original)."""
        name = sym.name
        if sym.defined and sym.bind == STB_LOCAL and sym.type == STT_OBJECT:
            name = self.ch.before_twin(sym).name
        if name not in self.externs:
            self.externs[name] = (Symbol(name=name, bind=STB_GLOBAL,
                                         type=STT_NOTYPE), sym.defined)
        return self.externs[name][0]

    def keep(self, sec):
        if sec.idx in self.kept:
            return False
        self.kept[sec.idx] = Section(name=sec.name, type=sec.type,
                                     flags=sec.flags, size=sec.size,
                                     align=sec.align, entsize=sec.entsize,
                                     data=sec.data, relas=[])
        self.kept[sec.idx].orig = sec
        return True

    # -- the walk ------------------------------------------------------
    def run(self):
        for f in self.ch.changed:
            sec = self.after.section_of(f)
            others = [s.name for s in self.after.symbols
                      if s.shndx == f.shndx and s.type == STT_FUNC and
                      s is not f and not s.name.startswith('__pfx_')]
            if others:
                self.problem(f.name, 'shares section %s with %s: not carried'
                             ' (noinstr, sched or another special section)'
                             % (sec.name, others[0]))
                continue
            self.keep(sec)
        for s in self.after.symbols:
            if s.name in self.shadow_names and s.type == STT_OBJECT:
                self.keep(self.after.section_of(s))
        work = list(self.kept)
        while True:
            pending = {}         # kept idx -> its relocations, resolved
            while work:
                idx = work.pop()
                self.walk(idx, pending, work)
            slices = self.metadata()
            grown = []
            for idx in slices:
                self.walk(idx, pending, grown)
            if not grown:
                break
            # metadata pulled in more code: its entries are picked afresh
            for idx in slices:
                del self.kept[idx]
            work = grown
            for idx in list(self.kept):
                work.append(idx)
        self.relocate(pending)
        self.check_entries()
        return self

    def walk(self, idx, pending, work):
        """Resolve the relocations of kept section idx; keep what they need."""
        new = self.kept[idx]
        if isinstance(new.orig, _Slice):
            raw, sec = new.orig.rebased(), new.orig.sec
        else:
            raw, sec = new.orig.relas, new.orig
        out = pending[idx] = []
        for r in raw:
            t = self.resolve(sec, r)
            if t is None:
                continue
            out.append(t)
            tsym = t.sym
            if tsym.type == STT_SECTION or tsym.defined and \
                    self.decide(tsym) == 'keep':
                tsec = self.after.section_of(tsym)
                if tsec is not None and self.keep(tsec):
                    work.append(tsec.idx)

    def resolve(self, sec, r):
        """r, with a section-relative target moved to the symbol there."""
        t = r.sym
        if t.name == '__this_module' and not t.defined:
            # THIS_MODULE of a module's code: linked into the patch
            # module, the name is the patch's own struct module
            self.problem(self.owner(sec, r), 'uses THIS_MODULE, which in '
                         'the patch module would be the patch\'s own module,'
                         ' not the patched one\'s')
            return None
        if t.type != STT_SECTION:
            d = self.decide(t)
            if d == 'ambiguous':
                self.problem(self.owner(sec, r), 'refers to a static %s, '
                             'whose original is not known: %s' % (
                                 base_name(t.name), self.ch.twin_problem(t)))
                return None
            if d == 'label':
                self.problem(self.owner(sec, r), 'refers to label %s in '
                             'code that is not carried' % t.name)
                return None
            return r
        tsec = self.after.section_of(t)
        if tsec is None or tsec.idx in self.kept:
            return r
        off = ref_offset(self.after, sec, r)
        inner = self.after.symbol_at(tsec, off)
        if inner is None:
            return r             # anonymous data: the section is kept
        d = self.decide(inner)
        if d == 'keep':
            return r
        if d != 'extern':
            self.problem(self.owner(sec, r), 'refers to a static %s, '
                         'whose original is not known: %s' % (
                             base_name(inner.name),
                             self.ch.twin_problem(inner)))
            return None
        return Rela(r.offset, r.type, inner, r.addend - inner.value)

    def owner(self, sec, r):
        """The function r is in; its moved-out part counts as itself."""
        f = self.after.symbol_at(sec, r.offset)
        if f is None:
            return sec.name
        if is_cold_part(f.name):
            return f.name[:f.name.rindex('.cold')]
        return f.name

    def metadata(self):
        """Filter the tables that describe kept code; new kept sections."""
        sizes = meta_sizes(self.kversion)
        added = []
        orc = None
        for sec in self.after.sections:
            if sec.idx in self.kept or not sec.relas:
                continue
            hits = [r for r in sec.relas
                    if r.sym.shndx in self.kept and
                    is_text(self.after.section_of(r.sym))]
            if not hits:
                continue
            if sec.flags & SHF_EXECINSTR or sec.name.startswith(
                    ('.data', '.rodata', '.bss', '.ref.', '.meminit')):
                continue         # ordinary code or data, not carried
            if self.delayed and sec.name in OBJTOOL_OUTPUT:
                continue
            size = sizes.get(sec.name)
            if self.delayed and sec.name.startswith('.discard.') and \
                    sec.name != '.discard.addressable':
                size = _entry_size(sec)
            elif sec.name.startswith(DROPPED):
                continue
            if size is None:
                f = self.after.symbol_at(self.after.section_of(hits[0].sym),
                                         hits[0].addend + 4) or hits[0].sym
                self.problem(f.name, 'its code is described in section %s, '
                             'which klpx-build does not carry' % sec.name)
                continue
            picked = []
            for i in range(len(sec.data) // size):
                first = [r for r in sec.relas if r.offset == i * size]
                if first and first[0].sym.shndx in self.kept:
                    picked.append(i)
            new = Section(name=sec.name, type=SHT_PROGBITS, flags=sec.flags,
                          align=sec.align, entsize=sec.entsize, relas=[])
            new.data = b''.join(sec.data[i * size:(i + 1) * size]
                                for i in picked)
            new.size = len(new.data)
            new.orig = _Slice(sec, picked, size)
            self.kept[sec.idx] = new
            added.append(sec.idx)
            if sec.name == '.orc_unwind_ip':
                orc = picked
        if orc is not None:
            unwind = next(s for s in self.after.sections
                          if s.name == '.orc_unwind')
            new = Section(name='.orc_unwind', type=SHT_PROGBITS,
                          flags=unwind.flags, align=unwind.align, relas=[])
            new.data = b''.join(unwind.data[i * 6:(i + 1) * 6] for i in orc)
            new.size = len(new.data)
            new.orig = _Slice(unwind, [], 6)
            self.kept[unwind.idx] = new
            added.append(unwind.idx)
        return added

    def relocate(self, pending):
        """Symbols and relocations of the new object."""
        self.symbols = []
        secsym = {}
        for idx, new in self.kept.items():
            s = Symbol(name='', type=STT_SECTION, bind=STB_LOCAL, shndx=new)
            secsym[idx] = s
            self.symbols.append(s)
        copies = {}
        for s in self.after.symbols:
            if s.shndx in self.kept and s.type in (STT_FUNC, STT_OBJECT,
                                                   STT_NOTYPE) and s.name:
                if isinstance(self.kept[s.shndx].orig, _Slice):
                    continue
                c = Symbol(name=s.name, value=s.value, size=s.size,
                           bind=STB_LOCAL, type=s.type,
                           shndx=self.kept[s.shndx])
                copies[s.idx] = c
                self.symbols.append(c)
                if s.type == STT_FUNC and s.name in self.changed:
                    alias = '__klpx_new_%d' % self.counter.next()
                    self.symbols.append(Symbol(
                        name=alias, value=s.value, size=s.size,
                        bind=STB_GLOBAL, type=STT_FUNC,
                        shndx=self.kept[s.shndx]))
                    sec = self.after.section_of(s)
                    self.redirects.append((s.name, alias, sec.data[
                        s.value:s.value + 4] == ENDBR64))
                if s.type == STT_OBJECT and s.name in self.shadow_names:
                    alias = '__klpx_type_%d' % self.counter.next()
                    self.symbols.append(Symbol(
                        name=alias, value=s.value, size=s.size,
                        bind=STB_GLOBAL, type=STT_OBJECT,
                        shndx=self.kept[s.shndx]))
                    self.types.append((s.name, alias))
        for idx, new in self.kept.items():
            for r in pending.get(idx, []):
                t = r.sym
                if t.type == STT_SECTION and t.shndx in self.kept:
                    target = secsym[t.shndx]
                elif t.idx in copies and t.shndx in self.kept:
                    target = copies[t.idx]
                elif t.type == STT_SECTION:
                    self.problem(new.name, 'refers to section %s, not carried'
                                 % self.after.sections[t.shndx].name)
                    continue
                else:
                    target = self.extern(t)
                new.relas.append(Rela(r.offset, r.type, target, r.addend))
        self.symbols.extend(s for s, _ in self.externs.values())
        self.sections = [self.kept[i] for i in sorted(self.kept)]
        for new in self.sections:
            orig = new.orig.sec if isinstance(new.orig, _Slice) else new.orig
            if orig.link_to is None:
                continue
            if orig.link_to.idx in self.kept:
                new.link_to = self.kept[orig.link_to.idx]
            elif new.relas and isinstance(new.relas[0].sym.shndx, Section):
                # the code it followed is not carried: follow what it
                # describes instead
                new.link_to = new.relas[0].sym.shndx

    def check_entries(self):
        """Each redirected function is ftrace's: it calls __fentry__ first."""
        for name, alias, endbr in self.redirects:
            sym = next(s for s in self.after.symbols if s.name == name and
                       s.type == STT_FUNC and s.defined)
            sec = self.after.section_of(sym)
            start = sym.value + (4 if endbr else 0)
            if not any(r.offset == start + 1 and r.sym.name == '__fentry__'
                       for r in sec.relas):
                self.problem(name, 'does not begin with a call to '
                             '__fentry__ (notrace): ftrace cannot redirect it')


def _entry_size(sec):
    """The entry size of an annotation table: one relocation per entry."""
    n = len(sec.relas)
    if n and len(sec.data) % n == 0:
        size = len(sec.data) // n
        if all(r.offset == i * size for i, r in enumerate(sec.relas)):
            return size
    return None


class _Slice:
    """The picked entries of a metadata table, rebased."""

    def __init__(self, sec, picked, size):
        self.sec, self.picked, self.size = sec, picked, size
        self.name = sec.name

    def rebased(self):
        out = []
        for n, i in enumerate(self.picked):
            lo, hi = i * self.size, (i + 1) * self.size
            for r in self.sec.relas:
                if lo <= r.offset < hi:
                    out.append(Rela(r.offset - lo + n * self.size, r.type,
                                    r.sym, r.addend))
        return out


class Counter:
    def __init__(self):
        self.n = 0

    def next(self):
        self.n += 1
        return self.n - 1
