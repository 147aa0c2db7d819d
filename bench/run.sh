#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - klpx against the kernel's own shadow variables and livepatch.
#
# Boots the Debian guest once (selftests/guest/run.sh shell, QEMU/TCG),
# runs bench/guest.sh in it with the klpx_bench modules, then runs the
# userspace harness benchmark on this machine, and writes to $OUT/bench:
#
#   raw.txt          every record the guest printed (per round, in ns)
#   console.txt      the whole guest session
#   userspace.txt    the output of make -C selftests/userspace bench
#   results.txt      the table: medians, and the issue's targets (printed)
#   get.dat          the data of the plot
#   bench-get.png    get cost against live variables, klpx and upstream
#   call.dat         cost a redirected call adds, klpx (direct and ops
#                    paths) and livepatch: one line (bench/call.gp plots
#                    the lines of several runs, one per kernel)
#   bench-call.png   that plot, for this run
#
# Environment (the top Makefile exports the first five):
#   TOP CACHE OUT KVER KDIR  KVER from KERNEL=6.1|6.1-rt|6.12|6.12-rt
#                         through scripts/kver.sh, as make does
#   BENCH_ROUNDS=N        rounds per measurement (default 5)
#   BENCH_SIZES="..."     live variables (default "1000 10000 100000 1000000")
#   BENCH_PHASES="..."    phases of bench/guest.sh (default "redirect direct
#                         stop many shadow"; "memory": the shadow growth
#                         steps alone; "lookups": get and miss of one id)
#   BENCH_MEM_ROUNDS=N    memory rounds per size and set (default 3): each
#                         fills both implementations from empty, in turns
#   BENCH_TIMEOUT=SECONDS limit on the guest run (default 780)
#   BENCH_STOP_THREADS="..." sleeping kthreads of the stop phase (default
#                         "1000 10000 100000"; 10^5 need about 4G of guest
#                         memory: 3G runs out near 92000)
#   BENCH_USERSPACE=0     skip the userspace benchmark
#   BENCH_PUBLISH=1       also copy the table and plot into Documentation/
#   GUEST_MEM             guest memory (default here 2G: 10^6 + 10^6
#                         variables of both implementations fit easily)
set -e -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
TOP=${TOP:-$(cd "$here/.." && pwd)}
CACHE=${CACHE:-$TOP/.cache}
OUT=${OUT:-$TOP/out}
KVER=${KVER:-$(CACHE=$CACHE "$TOP/scripts/kver.sh")}
KDIR=${KDIR:-$(KVER=$KVER CACHE=$CACHE "$TOP/scripts/kver.sh" --kdir)}
export TOP CACHE KVER KDIR

out=$OUT/bench
export GUEST_MEM=${GUEST_MEM:-2G}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-780}

say() { echo "bench: $*" >&2; }

mkdir -p "$out"
rm -f "$out"/{raw,console,userspace,results}.txt "$out/get.dat" \
      "$out/bench-get.png" "$out/call.dat" "$out/bench-call.png"
start=$(date +%s)

# The guest's shell evaluates one line at a time: send the script as
# base64 lines, decode it, run it and power off on one line, so that no
# input is left to echo while it runs.
guest_input() {
	local env=""
	[ -n "$BENCH_ROUNDS" ] && env="$env BENCH_ROUNDS='$BENCH_ROUNDS'"
	[ -n "$BENCH_SIZES" ] && env="$env BENCH_SIZES='$BENCH_SIZES'"
	[ -n "$BENCH_PHASES" ] && env="$env BENCH_PHASES='$BENCH_PHASES'"
	[ -n "$BENCH_MEM_ROUNDS" ] &&
		env="$env BENCH_MEM_ROUNDS='$BENCH_MEM_ROUNDS'"
	[ -n "$BENCH_STOP_THREADS" ] &&
		env="$env BENCH_STOP_THREADS='$BENCH_STOP_THREADS'"
	echo "stty -F /dev/ttyS0 -echo"
	base64 -w 76 "$here/guest.sh" | sed 's|^|echo |; s|$| >>/tmp/bench.b64|'
	echo "base64 -d /tmp/bench.b64 >/tmp/bench.sh; $env sh /tmp/bench.sh; poweroff"
}

say "booting the guest (QEMU/TCG, $GUEST_MEM); this takes a few minutes"
# A work folder of our own: the tests may be using $OUT/guest meanwhile.
rc=0
guest_input | OUT="$out" timeout -k 10 "$BENCH_TIMEOUT" \
	"$TOP/selftests/guest/run.sh" shell 2>&1 | tr -d '\r' \
	>"$out/console.txt" || rc=$?
grep '^@' "$out/console.txt" >"$out/raw.txt" || true

status=0
# The records decide: a run that printed @done is complete, whatever the
# status (a guest powered off at the end).
if [ $rc -ne 0 ]; then
	say "the guest run ended with status $rc (124: the ${BENCH_TIMEOUT}s limit)"
fi
if ! grep -q '^@done' "$out/raw.txt"; then
	say "the guest did not finish the benchmark; last lines:"
	tail -n 20 "$out/console.txt" >&2
	status=1
fi
if grep '^@error' "$out/raw.txt" >&2; then
	status=1
fi
if grep '^@kernel' "$out/raw.txt" >&2 ||
   grep -E 'BUG:|Oops|general protection fault|Kernel panic' "$out/console.txt" >&2; then
	say "the kernel complained during the run (see $out/console.txt)"
	status=1
fi
say "guest run: $(($(date +%s) - start)) s"

if [ "${BENCH_USERSPACE:-1}" != 0 ]; then
	say "userspace harness benchmark (not emulated)"
	make -s -C "$TOP/selftests/userspace" bench OUT="$OUT" \
		>"$out/userspace.txt" 2>&1 || {
		say "the userspace benchmark failed:"
		tail -n 20 "$out/userspace.txt" >&2
		status=1
	}
fi

[ -f "$out/userspace.txt" ] || : >"$out/userspace.txt"
awk -v date="$(date -u +%Y-%m-%d)" -v kver="$KVER" \
    -v host="$(nproc) CPUs, Linux $(uname -r)" -v dat="$out/get.dat" \
    -v calldat="$out/call.dat" \
    -v us="$out/userspace.txt" -f "$here/report.awk" \
    "$out/raw.txt" "$out/userspace.txt" >"$out/results.txt"
cat "$out/results.txt"

# A run without lookups (BENCH_PHASES=memory) has nothing to plot.
if grep -qv '^#' "$out/get.dat" 2>/dev/null; then
	gnuplot -e "dat='$out/get.dat'; png='$out/bench-get.png'; sub='$(date -u +%Y-%m-%d), $KVER under QEMU/TCG'" \
		"$here/plot.gp" || { say "gnuplot failed"; status=1; }
fi

if [ -s "$out/call.dat" ]; then
	gnuplot -e "dat='$out/call.dat'; png='$out/bench-call.png'; sub='$(date -u +%Y-%m-%d) under QEMU/TCG'" \
		"$here/call.gp" || { say "gnuplot failed"; status=1; }
fi

if [ "${BENCH_PUBLISH:-0}" = 1 ]; then
	if [ $status -ne 0 ]; then
		say "not publishing the results of a failed run"
	else
		"$here/publish.sh" "$out/results.txt" "$out/bench-get.png"
	fi
fi

say "done in $(($(date +%s) - start)) s: $out/results.txt, $out/bench-get.png"
exit $status
