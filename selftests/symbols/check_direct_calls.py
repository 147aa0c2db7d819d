#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check_direct_calls.py KO MODULE.SYMVERS - klpx.ko reaches what the kernel
does not export by direct calls only.

On a kernel built with IBT, an indirect call to a function whose address
the kernel never takes faults ("Missing ENDBR"), and no emulator here can
show it.  So klpx.ko is checked statically:

  - every symbol it imports the ordinary way is exported by the kernel
    (MODULE.SYMVERS): nothing is resolved by any other means;
  - it names none of the ways of finding a function by name at run time
    (kprobes, kallsyms_lookup_name(), symbol_get());
  - every relocation against a livepatch symbol of vmlinux (what
    KLPX_SYMBOLS() lists) sits in a .klp.rela section and writes the
    displacement of a call or jump instruction in executable code, unless
    the symbol is one of the variables below: no unexported function's
    address is ever taken, so none can be called through a pointer.

Prints each violation and exits 1 if there is any.
"""
import struct
import sys

SHN_UNDEF = 0
SHN_LIVEPATCH = 0xFF20
SHT_SYMTAB = 2
SHT_RELA = 4
SHF_EXECINSTR = 0x4
SHF_RELA_LIVEPATCH = 0x00100000
R_X86_64_PC32 = 2
R_X86_64_PLT32 = 4

# Variables klpx uses by address (locks it takes, the tracepoint it
# probes); never called.
VARIABLES = {"text_mutex", "module_mutex", "__tracepoint_sched_switch"}

# Ways to get a function's address from its name at run time.
FORBIDDEN = {"register_kprobe", "kallsyms_lookup_name",
             "kallsyms_on_each_symbol", "module_kallsyms_on_each_symbol",
             "__symbol_get", "symbol_get"}


def sections(data):
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    secs = []
    for i in range(shnum):
        (name, typ, flags, addr, off, size, link, info, align,
         entsize) = struct.unpack_from("<IIQQQQIIQQ", data,
                                       shoff + i * shentsize)
        secs.append(dict(name=name, type=typ, flags=flags, off=off,
                         size=size, link=link, info=info))
    strs = secs[shstrndx]
    for s in secs:
        s["name"] = cstr(data, strs["off"] + s["name"])
    return secs


def cstr(data, off):
    return data[off:data.index(b"\0", off)].decode()


def main():
    ko, symvers = sys.argv[1], sys.argv[2]
    data = open(ko, "rb").read()
    exported = {line.split("\t")[1] for line in open(symvers)
                if line.count("\t") >= 2}
    secs = sections(data)
    symtab = next(s for s in secs if s["type"] == SHT_SYMTAB)
    strtab = secs[symtab["link"]]
    syms = []
    for i in range(symtab["size"] // 24):
        name, info, other, shndx, value, size = struct.unpack_from(
            "<IBBHQQ", data, symtab["off"] + i * 24)
        syms.append((cstr(data, strtab["off"] + name) if name else "",
                     shndx))
    bad = []

    for name, shndx in syms[1:]:
        if name in FORBIDDEN:
            bad.append(f"names {name}(): finds functions by name")
        elif shndx == SHN_UNDEF and name and name not in exported:
            bad.append(f"imports {name}, which the kernel does not export")

    calls = 0
    for rs in secs:
        if rs["type"] != SHT_RELA or rs["link"] != secs.index(symtab):
            continue
        target = secs[rs["info"]]
        for i in range(rs["size"] // 24):
            off, rinfo, addend = struct.unpack_from(
                "<QQq", data, rs["off"] + i * 24)
            name, shndx = syms[rinfo >> 32]
            if shndx != SHN_LIVEPATCH:
                continue
            where = f"{name} at {target['name']}+{off:#x}"
            if not rs["flags"] & SHF_RELA_LIVEPATCH:
                bad.append(f"{where}: outside a .klp.rela section")
                continue
            sym = name.split(".")[4].split(",")[0] \
                if name.startswith(".klp.sym.vmlinux.") else None
            if sym in VARIABLES:
                continue
            op = data[target["off"] + off - 1] if off >= 1 else None
            jcc = off >= 2 and data[target["off"] + off - 2] == 0x0F \
                and op is not None and 0x80 <= op <= 0x8F
            if (rinfo & 0xFFFFFFFF) in (R_X86_64_PC32, R_X86_64_PLT32) \
                    and target["flags"] & SHF_EXECINSTR \
                    and (op in (0xE8, 0xE9) or jcc):
                calls += 1
                continue
            bad.append(f"{where}: not the target of a call or jump "
                       "(an address taken, to call through a pointer?)")

    for b in bad:
        print(f"{ko}: {b}")
    print(f"{ko}: {calls} direct calls or jumps to unexported kernel "
          f"functions, {len(bad)} violation(s)")
    return 1 if bad or not calls else 0


if __name__ == "__main__":
    sys.exit(main())
