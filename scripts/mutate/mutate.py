#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""mutate.py - the mutation tier: does some test notice when the code is wrong?

Applies each mutant of scripts/mutate/mutants to a copy of the tree (never
the tree itself), runs the tiers that can notice it, with fixed seeds, and
prints one line per mutant (name, killed by, time) and the kill rate.

  scripts/mutate/mutate.py [-k NAME-PART]... [--tiers T,T] [--rst FILE] [--list]

A mutant is one or more hunks, each keyed on the source lines it changes
rather than on line numbers (see the head of the mutants file).  A hunk
whose lines no longer occur exactly once in the file is 'stale': the code
moved on and the mutant needs updating.  Stale mutants are listed and not
counted; they never pass silently.

Tiers, tried in order until one kills the mutant (a failing test, a
sanitizer report, a splat, a timeout, or a build that breaks):
  asan   the userspace tier under ASan+UBSan (fixed seed)
  tsan   the userspace tier under TSan (fixed seed)
  fuzz   the fuzzer against its model, a fixed number of runs
  core   selftests/core (core/plan.c)
  kunit  kunit/run.sh in UML (slow: opt in with --tiers)
  kunit-preempt, kunit-rt
         kunit/run.sh on x86_64 under QEMU, SMP PREEMPT (6.1) and
         PREEMPT_RT (6.12) (slower: opt in with --tiers)
  guest  selftests/guest/run.sh check (slow: opt in with --tiers); a
         mutant may name the guest tests that judge it ("= guest-tests:
         core-switch-idle", as GUEST_TESTS), so only those boot and run
A mutant of shadow/ is tried with asan, tsan and fuzz; one of core/ with
core (and kunit/guest only when asked).  Exit status: 0 when every mutant
was killed or is declared equivalent; a survivor or a stale mutant fails.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SEED = '20261129'
FUZZ_RUNS = '30000'
CASE_TIMEOUT = '60'
TIER_TIMEOUT = 900


class Hunk:
    def __init__(self, path):
        self.path = path
        self.lines = []		# (op, text): op in ' ', '-', '+'

    def before(self):
        return [t for o, t in self.lines if o in ' -']

    def after(self):
        return [t for o, t in self.lines if o in ' +']


class Mutant:
    def __init__(self, name, what):
        self.name = name
        self.what = what
        self.hunks = []
        self.equivalent = None
        self.tiers = None
        self.guest_tests = None


def parse(path):
    """The mutants file: '## name: what it breaks', then hunks."""
    mutants, m, h = [], None, None
    with open(path) as f:
        for nr, raw in enumerate(f, 1):
            line = raw.rstrip('\n')
            if line.startswith('## '):
                name, _, what = line[3:].partition(':')
                m = Mutant(name.strip(), what.strip())
                mutants.append(m)
                h = None
            elif not line:
                h = None		# a blank line ends a hunk
            elif line.startswith('#'):
                continue
            elif m is None:
                sys.exit('%s:%d: text before the first mutant' % (path, nr))
            elif line.startswith('@ '):
                h = Hunk(line[2:].strip())
                m.hunks.append(h)
            elif line.startswith('= equivalent:'):
                m.equivalent = line.split(':', 1)[1].strip()
            elif line.startswith('= tiers:'):
                m.tiers = line.split(':', 1)[1].split()
            elif line.startswith('= guest-tests:'):
                m.guest_tests = line.split(':', 1)[1].strip()
            elif h is not None and line[:1] in (' ', '-', '+'):
                h.lines.append((line[0], line[1:]))
            else:
                sys.exit('%s:%d: cannot parse %r' % (path, nr, line))
    names = [m.name for m in mutants]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        sys.exit('%s: mutants named twice: %s' % (path, ', '.join(sorted(dup))))
    return mutants


def find_block(lines, block):
    """Start indexes at which @block occurs as whole lines."""
    n = len(block)
    return [i for i in range(len(lines) - n + 1) if lines[i:i + n] == block]


def apply(m, src):
    """{path: new text} for mutant @m on the files under @src, or a reason."""
    files = {}
    for h in m.hunks:
        if h.path not in files:
            try:
                with open(os.path.join(src, h.path)) as f:
                    files[h.path] = f.read().split('\n')
            except OSError:
                return None, '%s: no such file' % h.path
        lines = files[h.path]
        at = find_block(lines, h.before())
        if len(at) != 1:
            return None, '%s: anchor %s (%s)' % (
                h.path, 'not found' if not at else 'found %d times' % len(at),
                next((t.strip() for o, t in h.lines if o != '+' and t.strip()),
                     '?')[:60])
        i = at[0]
        lines[i:i + len(h.before())] = h.after()
    return {p: '\n'.join(t) for p, t in files.items()}, None


def run(cmd, cwd, log, env=None, timeout=TIER_TIMEOUT):
    e = dict(os.environ)
    # make mutate exports the real tree's TOP, OUT and CACHE: judge the copy
    for k in ('OUT', 'MAKEFLAGS', 'MAKELEVEL', 'MFLAGS'):
        e.pop(k, None)
    e['TOP'] = cwd
    e['CACHE'] = os.path.join(cwd, '.cache')
    e.update(env or {})
    with open(log, 'a') as out:
        out.write('$ %s\n' % ' '.join(cmd))
        out.flush()
        try:
            p = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                               env=e, timeout=timeout, start_new_session=True)
            return p.returncode
        except subprocess.TimeoutExpired:
            out.write('timed out after %d s\n' % timeout)
            return 'timeout'


def tier_userspace(tree, out, log, which):
    b = os.path.join(out, 'userspace')
    binary = os.path.join(b, which, 'klpx_test')
    if run(['make', '-s', '-C', 'selftests/userspace', 'OUT=' + out, binary],
           tree, log) != 0:
        return 'build'
    env = {'ASAN_OPTIONS': 'detect_leaks=0:abort_on_error=1',
           'UBSAN_OPTIONS': 'print_stacktrace=1:halt_on_error=1',
           'TSAN_OPTIONS': 'atexit_sleep_ms=0:second_deadlock_stack=1'}
    start = os.path.getsize(log)
    rc = run([binary, '-x', '-s', SEED, '-t', CASE_TIMEOUT], tree, log, env)
    if rc == 0:
        return None
    if rc == 'timeout':
        return 'timeout'
    return first_failure(log, start, r'^not ok \d+ - (\S+)')


def first_failure(log, start, pattern):
    """'fail: <first failing case>' from what @log got after @start."""
    with open(log, errors='replace') as f:
        f.seek(start)
        for line in f:
            m = re.match(pattern, line)
            if m:
                return 'fail: ' + m.group(1)
    return 'fail'


def tier_fuzz(tree, out, log):
    b = os.path.join(out, 'userspace')
    binary = os.path.join(b, 'fuzz', 'shadow_fuzz')
    if run(['make', '-s', '-C', 'selftests/userspace', 'OUT=' + out, binary],
           tree, log) != 0:
        return 'build'
    corpus = os.path.join(out, 'corpus')
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.copytree(os.path.join(tree, 'selftests/userspace/fuzz/corpus'), corpus)
    rc = run([binary, '-runs=' + FUZZ_RUNS, '-seed=1', '-timeout=30',
              '-artifact_prefix=' + out + '/', corpus], tree, log)
    return None if rc == 0 else ('timeout' if rc == 'timeout' else 'fail')


def tier_script(tree, out, log, cmd, env=None):
    result = os.path.join(out, 'result')
    if os.path.exists(result):
        os.unlink(result)
    rc = run(cmd + [result], tree, log, dict({'OUT': out, 'SEED': SEED}, **(env or {})))
    try:
        with open(result) as f:
            p, fl = f.read().split()[:2]
        if int(fl) == 0 and int(p) > 0 and rc == 0:
            return None
    except (OSError, ValueError):
        pass
    return 'timeout' if rc == 'timeout' else 'fail'


def tier_core(tree, out, log):
    result = os.path.join(out, 'core.result')
    start = os.path.getsize(log) if os.path.exists(log) else 0
    rc = run(['make', '-s', '-C', 'selftests/core', 'OUT=' + out,
              'check', 'RESULT=' + result], tree, log)
    if rc == 0:
        return None
    if rc == 'timeout':
        return 'timeout'
    return first_failure(log, start, r'^not ok \d+ (\S+)')


TIERS = {
    'asan': lambda t, o, l: tier_userspace(t, o, l, 'asan'),
    'tsan': lambda t, o, l: tier_userspace(t, o, l, 'tsan'),
    'fuzz': tier_fuzz,
    'core': tier_core,
    'kunit': lambda t, o, l: tier_script(t, o, l, ['kunit/run.sh']),
    'kunit-preempt': lambda t, o, l: tier_script(t, o, l, ['kunit/run.sh'],
                                                 {'KUNIT': 'preempt', 'KERNEL': '6.1'}),
    'kunit-rt': lambda t, o, l: tier_script(t, o, l, ['kunit/run.sh'],
                                            {'KUNIT': 'rt', 'KERNEL': '6.12'}),
    'guest': lambda t, o, l: tier_script(t, o, l, ['selftests/guest/run.sh', 'check'],
                                         GUEST_ENV),
}

# The guest tests that judge the mutant being tried (its "= guest-tests:"),
# or all of them; set by main() around each run of the guest tier.
GUEST_ENV = {}


def default_tiers(m, allowed):
    if m.tiers:
        return [t for t in m.tiers if t in allowed]
    dirs = {h.path.split('/')[0] for h in m.hunks}
    tiers = []
    if 'shadow' in dirs:
        tiers += ['asan', 'tsan', 'fuzz', 'kunit', 'kunit-preempt', 'kunit-rt']
    if 'core' in dirs:
        tiers += ['core', 'guest']
    return [t for t in tiers if t in allowed]


def copy_tree(src, dst):
    """The files git knows of (committed or not), as they are now."""
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'],
                           cwd=src, stdout=subprocess.PIPE, check=True).stdout
    shutil.rmtree(dst, ignore_errors=True)
    for rel in files.decode().split('\0'):
        if not rel or not os.path.isfile(os.path.join(src, rel)):
            continue
        os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
        # new times: nothing built from an earlier copy looks up to date
        shutil.copy(os.path.join(src, rel), os.path.join(dst, rel))
    # the guest and kunit tiers need the downloads; share them read-only
    cache = os.path.join(src, '.cache')
    if os.path.isdir(cache):
        os.symlink(cache, os.path.join(dst, '.cache'))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('-k', action='append', default=[],
                    help='only mutants whose name contains this')
    ap.add_argument('--tiers', default='asan,tsan,fuzz,core',
                    help='tiers allowed (default: asan,tsan,fuzz,core)')
    ap.add_argument('--mutants', default=os.path.join(TOP, 'scripts/mutate/mutants'))
    ap.add_argument('--work', default='/tmp/klpx-mutate-%d' % os.getuid())
    ap.add_argument('--rst', help='also write the table as reStructuredText')
    ap.add_argument('--list', action='store_true', help='list the mutants and their anchors')
    args = ap.parse_args()
    allowed = args.tiers.split(',')

    mutants = [m for m in parse(args.mutants)
               if not args.k or any(k in m.name for k in args.k)]
    if args.list:
        for m in mutants:
            _, why = apply(m, TOP)
            print('%-44s %s' % (m.name, 'STALE: ' + why if why else m.what))
        return 0

    tree = os.path.join(args.work, 'tree')
    out = os.path.join(args.work, 'out')
    logs = os.path.join(args.work, 'logs')
    copy_tree(TOP, tree)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(logs, exist_ok=True)
    print('mutation tier: %d mutants, tiers %s, seed %s, copy in %s'
          % (len(mutants), ','.join(allowed), SEED, tree), flush=True)

    # the unmutated tree must pass every tier a mutant may be judged by
    needed = sorted({t for m in mutants for t in default_tiers(m, allowed)},
                    key=list(TIERS).index)
    for t in needed:
        log = os.path.join(logs, 'baseline-%s.log' % t)
        if os.path.exists(log):
            os.unlink(log)
        verdict = TIERS[t](tree, out, log)
        if verdict:
            print('baseline: tier %s fails unmutated (%s); see %s' % (t, verdict, log))
            return 2
    print('baseline: %s pass unmutated' % (', '.join(needed) or 'no tier needed'),
          flush=True)

    rows = []
    for m in mutants:
        new, why = apply(m, tree)
        if why:
            rows.append((m, 'stale', why, 0.0))
            print('%-44s %-14s %s' % (m.name, 'STALE', why), flush=True)
            continue
        saved = {}
        for p, text in new.items():
            with open(os.path.join(tree, p)) as f:
                saved[p] = f.read()
            with open(os.path.join(tree, p), 'w') as f:
                f.write(text)
        log = os.path.join(logs, m.name + '.log')
        if os.path.exists(log):
            os.unlink(log)
        t0 = time.monotonic()
        killer = None
        try:
            GUEST_ENV.clear()
            if m.guest_tests:
                GUEST_ENV['GUEST_TESTS'] = m.guest_tests
            for t in default_tiers(m, allowed):
                verdict = TIERS[t](tree, out, log)
                if verdict:
                    killer = t if verdict == 'fail' else '%s (%s)' % (
                        t, verdict[6:] if verdict.startswith('fail: ') else verdict)
                    break
        finally:
            GUEST_ENV.clear()
            for p, text in saved.items():
                with open(os.path.join(tree, p), 'w') as f:
                    f.write(text)
        dt = time.monotonic() - t0
        if killer:
            status = 'killed'
        elif m.equivalent:
            status, killer = 'equivalent', m.equivalent
        else:
            status, killer = 'SURVIVED', 'log: ' + log
        rows.append((m, status, killer, dt))
        print('%-44s %-10s %6.1f s  %s' % (m.name, status, dt, killer if status == 'killed' else '')
              + ('' if status == 'killed' else '  ' + killer), flush=True)

    judged = [r for r in rows if r[1] != 'stale']
    killed = [r for r in judged if r[1] == 'killed']
    equiv = [r for r in judged if r[1] == 'equivalent']
    stale = [r for r in rows if r[1] == 'stale']
    survived = [r for r in judged if r[1] == 'SURVIVED']
    rate = 100.0 * len(killed) / len(judged) if judged else 0.0
    print('killed %d of %d (%.0f%%), %d equivalent, %d survived, %d stale'
          % (len(killed), len(judged), rate, len(equiv), len(survived), len(stale)))
    if args.rst:
        write_rst(args.rst, rows, allowed, killed, judged, equiv, survived, stale, rate)
    return 0 if judged and not survived and not stale else 1


def write_rst(path, rows, allowed, killed, judged, equiv, survived, stale, rate):
    w = max(len(r[0].name) for r in rows) + 2
    k = max([len(r[2]) if r[1] != 'SURVIVED' else 8 for r in rows] + [10]) + 2
    sep = '=' * w + ' ' + '=' * 12 + ' ' + '=' * k + ' ' + '=' * 8
    with open(path, 'w') as f:
        f.write(sep + '\n')
        f.write('%-*s %-12s %-*s %s\n' % (w, 'mutant', 'result', k, 'killed by', 'time (s)'))
        f.write(sep + '\n')
        for m, status, by, dt in rows:
            if status == 'SURVIVED':
                by = '-'
            f.write('%-*s %-12s %-*s %8.1f\n' % (w, m.name, status, k, by, dt))
        f.write(sep + '\n\n')
        f.write('Killed %d of %d (%.0f%%), %d equivalent, %d survived, %d stale; '
                'tiers %s, seed %s.\n' % (len(killed), len(judged), rate, len(equiv),
                                         len(survived), len(stale), ','.join(allowed), SEED))


if __name__ == '__main__':
    sys.exit(main())
