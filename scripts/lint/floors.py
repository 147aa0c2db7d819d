#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# floors.py [TOP] - the floors of core/ and shadow/ (Documentation/core.rst,
# "Who owns what, and which way calls go"), checked against the calls the
# code makes.
#
# FLOORS lists every .c file of core/ and shadow/, from the top down.  A
# file may call a function defined in another file only when that file
# comes after it: on a floor below, or further down its own floor.  A
# call up (or sideways, to a file listed before it) fails, as does a .c
# file FLOORS does not list or lists twice, or a name it lists that is no
# file.  Callbacks handed down as function pointers are not calls: they
# are how a lower file reaches an upper one.
#
# Prints each file with its floor and what it calls, then "floors: ok" or
# one line per fault; exits 1 on a fault.
import collections
import glob
import os
import re
import sys

FLOORS = [
    ('interfaces', ['main.c', 'sysfs.c', 'notifier.c', 'debugfs.c']),
    ('lifecycle', ['enable.c', 'loading.c', 'teardown.c', 'defer.c',
                   'disable.c', 'replace.c', 'release.c']),
    ('mechanisms', ['switch.c', 'park.c', 'inway.c', 'stacks.c', 'ran.c',
                    'redirect.c', 'fops.c', 'direct.c', 'object.c',
                    'symbols.c', 'kallsyms.c', 'types.c', 'lifetime.c',
                    'trace.c']),
    ('decisions', ['plan.c', 'plan_check.c', 'plan_resolve.c',
                   'plan_release.c']),
]
SHADOW = ('shadow store', ['registry.c', 'class.c', 'store.c', 'resize.c',
                           'lookup.c', 'ids.c'])


def clean(text):
    """Comments, strings and characters out; line breaks kept."""
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'),
                  text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    return re.sub(r"'(\\.|[^'\\\n])*'", "''", text)


# A definition: its head (return type, name, parameters, on one or more
# lines starting at column 0), then "{" alone at column 0.
DEF = re.compile(r'(?:^|\n)((?:[A-Za-z_][^\n;{}#]*\n)*?[A-Za-z_][^;{}#]*?)\n\{')
CALL = re.compile(r'\b(\w+)\s*\(')


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
    order = [('core/' + f, floor) for floor, names in FLOORS for f in names]
    order += [('shadow/' + f, SHADOW[0]) for f in SHADOW[1]]
    rank = {path: i for i, (path, _) in enumerate(order)}
    floor_of = dict(order)
    faults = []

    listed = collections.Counter(path for path, _ in order)
    present = sorted(os.path.relpath(p, top) for d in ('core', 'shadow')
                     for p in glob.glob(os.path.join(top, d, '*.c')))
    for path in present:
        if path not in listed:
            faults.append(f'{path}: on no floor (add it to FLOORS)')
    for path, n in listed.items():
        if n > 1:
            faults.append(f'{path}: listed {n} times')
        if path not in present:
            faults.append(f'{path}: listed, but no such file')

    texts = {p: clean(open(os.path.join(top, p)).read()) for p in present}
    defined = collections.defaultdict(set)
    for path, text in texts.items():
        for m in DEF.finditer(text):
            head = m.group(1)
            if head.lstrip().startswith('static') or '=' in head:
                continue
            name = CALL.search(head)
            if name:
                defined[name.group(1)].add(path)

    for path in [p for p, _ in order if p in texts]:
        callees = collections.defaultdict(set)
        for m in CALL.finditer(texts[path]):
            for owner in defined.get(m.group(1), ()):
                if owner != path:
                    callees[owner].add(m.group(1))
        calls = ', '.join(f'{c} ({len(callees[c])})'
                          for c in sorted(callees, key=rank.get))
        print(f'{floor_of[path]:12} {path:22} calls: {calls or "nothing"}')
        for callee in sorted(callees, key=rank.get):
            if rank[callee] <= rank[path]:
                names = ', '.join(sorted(callees[callee]))
                faults.append(f'{path} ({floor_of[path]}) calls up into '
                              f'{callee} ({floor_of[callee]}): {names}')

    for fault in faults:
        print('floors: ' + fault)
    if not faults:
        print('floors: ok')
    return 1 if faults else 0


if __name__ == '__main__':
    sys.exit(main())
