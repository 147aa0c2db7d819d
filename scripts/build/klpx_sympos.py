# SPDX-License-Identifier: GPL-2.0
"""The sympos of a symbol in the running kernel's objects.

For a module: its .ko from the image in the cache, in symbol table order;
of several symbols of one name, the one after the FILE symbol of the
source file (ld keeps each file's locals after its FILE symbol).  For
vmlinux: the kallsyms table of the image (klpx_kallsyms.py), in address
order; of several, the one whose neighbours belong to the same object
file.  0 when the name is unique.
"""

import os

from klpx_elf import STT_FILE, STT_FUNC, STT_NOTYPE, STT_OBJECT, Elf


class Positions:
    def __init__(self, cache, kver):
        self.root = os.path.join(cache, 'kernel', kver)
        self.list = os.path.join(cache, 'build-src', kver + '.kallsyms')
        self.kver = kver
        self.problems = []
        self.modules = {}
        self.vmlinux = None

    def problem(self, line):
        if line not in self.problems:
            self.problems.append(line)

    def of(self, obj, name, carry):
        if obj is None:
            return self.in_vmlinux(name, carry)
        return self.in_module(obj, name, carry)

    def module_elf(self, obj):
        if obj not in self.modules:
            path = None
            base = os.path.join(self.root, 'lib', 'modules', self.kver)
            want = {obj + '.ko', obj + '.ko.xz', obj.replace('_', '-') + '.ko',
                    obj.replace('_', '-') + '.ko.xz'}
            for d, _, files in os.walk(base):
                for f in files:
                    if f in want:
                        path = os.path.join(d, f)
            self.modules[obj] = Elf(path) if path else None
        return self.modules[obj]

    def in_module(self, obj, name, carry):
        elf = self.module_elf(obj)
        if elf is None:
            self.problem('%s: %s: module %s is not in the image of %s' % (
                carry.src, name, obj, self.kver))
            return 0
        same, current_file, ours = [], None, None
        src = os.path.basename(carry.src)
        for s in elf.symbols:
            if s.type == STT_FILE:
                current_file = s.name
                continue
            if s.name == name and s.defined and s.type in (
                    STT_FUNC, STT_OBJECT, STT_NOTYPE):
                same.append(s)
                if current_file == src or s.bind != 0:
                    ours = len(same)
        if not same:
            self.problem('%s: %s: no such symbol in module %s of %s' % (
                carry.src, name, obj, self.kver))
            return 0
        if len(same) == 1:
            return 0
        if ours is None:
            self.problem('%s: %s: %d symbols of that name in module %s and '
                         'none is known to be this file\'s' % (
                             carry.src, name, len(same), obj))
            return 0
        return ours

    def in_vmlinux(self, name, carry):
        if self.vmlinux is None:
            try:
                from klpx_kallsyms import Kallsyms
                self.vmlinux = Kallsyms(self.root, self.kver, self.list)
            except (ValueError, OSError) as e:
                self.problem('-: %s: cannot read the kallsyms of %s: %s'
                             % (name, self.kver, e))
                return 0
        return self.vmlinux.position(name, carry, self.problem)
