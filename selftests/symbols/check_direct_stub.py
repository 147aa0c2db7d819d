#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check_direct_stub.py KO - the direct stub of klpx.ko is reached only
the way ftrace reaches it, and leaves without an indirect branch.

ftrace writes a direct call to klpx_direct_stub at the fentry site of each
function on the direct path, given the stub's address once, by
klpx_direct_register() (and told it again by klpx_direct_unregister()).
On a kernel with IBT the stub has no ENDBR, so an indirect call or jump to
it would fault.  Checked with binutils on the built module:

  - klpx_direct_stub is a symbol of .text and does not start with ENDBR;
  - every relocation against it sits in .text, inside
    klpx_direct_register() or klpx_direct_unregister(): no table or other
    function holds its address;
  - its own code has no indirect call or jump (nor a retpoline thunk),
    and returns with RET or the return thunk.

Prints each violation and exits 1 if there is any.
"""
import re
import subprocess
import sys

STUB = "klpx_direct_stub"
HANDERS = {"klpx_direct_register", "klpx_direct_unregister"}


def run(*args):
    return subprocess.run(args, check=True, capture_output=True,
                          text=True).stdout


def main(ko):
    bad = []
    # Symbols of .text: name -> (start, end).
    funcs = {}
    stub = None
    text_idx = None
    for line in run("readelf", "-SW", ko).splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s+\.text\s", line)
        if m:
            text_idx = m.group(1)
    for line in run("readelf", "-sW", ko).splitlines():
        f = line.split()
        if len(f) < 8 or not f[0].endswith(":") or f[0] == "Num:":
            continue
        value, size, ndx, name = int(f[1], 16), int(f[2]), f[6], f[7]
        if ndx != text_idx:
            continue
        funcs[name] = (value, value + size)
        if name == STUB:
            stub = (value, value + size)
    if stub is None:
        print(f"{ko}: no {STUB} in .text")
        return 1

    # Relocations against the stub, by section.
    section = None
    for line in run("readelf", "-rW", ko).splitlines():
        m = re.match(r"Relocation section '([^']+)'", line)
        if m:
            section = m.group(1)
            continue
        f = line.split()
        if len(f) < 5 or f[4] != STUB:
            continue
        off = int(f[0], 16)
        if section != ".rela.text":
            bad.append(f"{STUB}'s address in {section} at {off:#x}")
            continue
        owner = [n for n, (s, e) in funcs.items() if s <= off < e and n != STUB]
        if not set(owner) & HANDERS:
            bad.append(f"{STUB}'s address taken in {owner or '?'} at {off:#x}")

    # Its code: the instructions and relocations within its bounds
    # (objdump -r lists a whole section's relocations).
    dis = run("objdump", "-d", "-r", "--no-show-raw-insn",
              f"--disassemble={STUB}", ko)
    insns, targets = [], []
    for line in dis.splitlines():
        m = re.match(r"\s+([0-9a-f]+):\t(.*)", line)
        if m and stub[0] <= int(m.group(1), 16) < stub[1]:
            insns.append(m.group(2).strip())
            continue
        m = re.match(r"\s+([0-9a-f]+): (R_\S+)\s+(\S+)", line)
        if m and stub[0] <= int(m.group(1), 16) < stub[1]:
            targets.append(m.group(3).split("-")[0].split("+")[0])
    if not insns:
        bad.append(f"{STUB} has no code")
    else:
        if insns[0].startswith("endbr"):
            bad.append(f"{STUB} starts with ENDBR: it should be no indirect target")
        for i in insns:
            if re.match(r"((notrack|cs|ds)\s+)*(call|jmp)\w*\s+\*", i):
                bad.append(f"{STUB} branches indirectly: {i}")
        for t in targets:
            if t.startswith("__x86_indirect_thunk"):
                bad.append(f"{STUB} branches through a retpoline thunk ({t})")
        if not any(i.startswith("ret") for i in insns) and \
           "__x86_return_thunk" not in targets:
            bad.append(f"{STUB} has no return")
    for b in bad:
        print(f"{ko}: {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
