#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""results.py JSON TEST_LOG - count a KUnit run, kernel reports included.

JSON is kunit.py's --json result, TEST_LOG the kernel's console output
(test.log in the build folder).  Prints "<passed> <failed> <skipped>".

KUnit marks a case failed on its own assertions and on KASAN reports in the
case's own thread, not on reports from other threads, RCU callbacks or
workqueues, nor on lockdep, RCU-lockdep or object-debugging reports.  So
every report in the log is charged to the case whose result line follows
it, and that case counts as failed.  A plain WARN is expected only in cases
whose name says so ("..._warns..."); anywhere else it is a failure too.
A case named so that saw no WARN fails as well.  Reports outside any case
(during boot, or after a suite's last case) count as one more failure;
plain WARNs during boot are not ours and are ignored.
"""
import json
import re
import sys

# Reports that are always a bug.
BUG = re.compile(
    r"BUG: |WARNING: (possible|inconsistent|suspicious|bad unlock|held lock"
    r"|lock held|Nested lock)|INFO: trying to register non-static key"
    r"|ODEBUG: |Kernel panic|DEBUG_LOCKS_WARN_ON|general protection")
# A WARN()/WARN_ON() splat.
WARN = re.compile(r"WARNING: CPU: \d+ PID: \d+ at (\S+)")
# A case's result line (params are indented deeper and come before it).
RESULT = re.compile(r"^(?:\[[^\]]*\] )?( *)(not ok|ok) \d+ (?:- )?(\S+)")


def report(where, lines, most=3):
    """Print the first few reports charged to one place."""
    for line in lines[:most]:
        print(f"kunit: {where}: {line}", file=sys.stderr)
    if len(lines) > most:
        print(f"kunit: {where}: ... and {len(lines) - most} more",
              file=sys.stderr)


def walk(group, acc):
    for case in group.get("test_cases", []):
        st = case.get("status", "")
        acc[{"PASS": 0, "SKIP": 2}.get(st, 1)] += 1
    for sub in group.get("sub_groups", []):
        walk(sub, acc)


def main():
    acc = [0, 0, 0]
    with open(sys.argv[1]) as f:
        walk(json.load(f), acc)

    started = False     # boot messages come before the first KTAP line
    pending = []        # reports not yet charged to a case
    bad_cases = []      # cases KUnit passed that still failed here
    extra = 0           # failures outside any case
    with open(sys.argv[2], errors="replace") as f:
        for line in f:
            if not started:
                if BUG.search(line):
                    print(f"kunit: during boot: {line.strip()}",
                          file=sys.stderr)
                    extra = 1
                started = line.startswith(("KTAP version", "TAP version"))
                continue
            m = RESULT.match(line)
            if m and len(m.group(1)) == 4:
                name, ok = m.group(3), m.group(2) == "ok"
                expects_warn = "warns" in name
                bad = [p for p in pending if BUG.search(p) or not expects_warn]
                report(name, bad)
                if expects_warn and not any(WARN.search(p) for p in pending):
                    print(f"kunit: {name}: expected a WARN, saw none",
                          file=sys.stderr)
                    bad.append(name)
                if bad and ok:
                    bad_cases.append(name)
                pending = []
            elif m and not m.group(1) and pending:
                # Reports between a suite's last case and its result line.
                report(m.group(3), pending)
                extra += 1
                pending = []
            elif BUG.search(line) or WARN.search(line):
                pending.append(line.strip())
    report("after the last case", pending)
    if pending:
        extra += 1

    # A case KUnit passed but the kernel complained about is a failure.
    acc[0] -= len(bad_cases)
    acc[1] += len(bad_cases) + extra
    print(*acc)


main()
