#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - boot the Debian kernel under QEMU (TCG) with klpx and its test
# modules, from an initramfs assembled here.
#
#   run.sh check RESULTFILE   run every tests/*.sh in the guest, stream TAP,
#                             write "<passed> <failed> <skipped>" to RESULTFILE
#   run.sh demo               run demo.sh in the guest, print its transcript
#   run.sh shell              an interactive busybox shell, klpx loaded
#   run.sh run                build the modules of the folder MODULES, boot
#                             with them next to klpx.ko, run the shell script
#                             SCRIPT in the guest (insmod is klpx-insmod)
#                             under RUN_TIMEOUT, print what it prints, exit
#                             with its status (make guest-run)
#
# Environment (the top Makefile exports the first five; computed when unset):
#   TOP CACHE OUT KVER KDIR   tree, cache folder, output folder, kernel release,
#                             kernel headers (KVER from KERNEL=6.1|6.1-rt|6.12|
#                             6.12-rt through scripts/kver.sh, as make does)
#   GUEST_TESTS=a,b           run only these tests (names or globs, no .sh);
#                             the only way to run experiments/*.sh
#   GUEST_TIMEOUT=SECONDS     limit on the whole boot (default 1500)
#   TEST_TIMEOUT=SECONDS      limit on each test script (default 60)
#   GUEST_MEM, GUEST_SMP      guest memory and vCPUs (default 2G, 2)
#   MODULES=DIR SCRIPT=FILE   run mode: the author's module folder (its own
#                             Kbuild) and the script to run in the guest
#   RUN_TIMEOUT=SECONDS       run mode: limit on the script (default 300)
#   GUEST_TESTS_DIR           run the tests of this folder instead of tests/
#   GUEST_MODULES_DIR         add this folder's *.ko to the guest's modules
#
# The kernel log (ttyS0) of the last check is kept in $OUT/guest/console.log,
# the TAP stream (ttyS1) in $OUT/guest/tap.log (demo-*.log for the demo).
# Any WARNING, BUG, Oops, general protection fault, RCU stall, lockup,
# sleep in atomic context or lockdep report in the kernel log fails the run, unless a test announced it between
# expect_warning_begin and expect_warning_end.
set -e -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
TOP=${TOP:-$(cd "$here/../.." && pwd)}
CACHE=${CACHE:-$TOP/.cache}
OUT=${OUT:-$TOP/out}
KVER=${KVER:-$(CACHE=$CACHE "$TOP/scripts/kver.sh")}
KDIR=${KDIR:-$(KVER=$KVER CACHE=$CACHE "$TOP/scripts/kver.sh" --kdir)}
export TOP CACHE OUT KVER KDIR

# Each test has its own limit (TEST_TIMEOUT, enforced inside the guest);
# the boot's limit only ends a guest that stopped making progress.  A whole
# -rt tier needs more than 600 s on a host with a load of 12.
GUEST_TIMEOUT=${GUEST_TIMEOUT:-1500}
TEST_TIMEOUT=${TEST_TIMEOUT:-60}
GUEST_MEM=${GUEST_MEM:-2G}
GUEST_SMP=${GUEST_SMP:-2}

mode=$1
result=$2
case "$mode" in
check) [ -n "$result" ] || { echo "usage: $0 check RESULTFILE" >&2; exit 2; } ;;
demo|shell) ;;
run)
	[ -n "$MODULES" ] && [ -n "$SCRIPT" ] || {
		echo "usage: MODULES=DIR SCRIPT=FILE $0 run" >&2; exit 2; }
	[ -d "$MODULES" ] || { echo "guest: MODULES=$MODULES is not a folder" >&2; exit 2; }
	[ -f "$MODULES/Kbuild" ] || [ -f "$MODULES/Makefile" ] ||
		{ echo "guest: MODULES=$MODULES has no Kbuild file" >&2; exit 2; }
	[ -f "$SCRIPT" ] || { echo "guest: SCRIPT=$SCRIPT is not a file" >&2; exit 2; }
	MODULES=$(cd "$MODULES" && pwd)
	SCRIPT=$(cd "$(dirname "$SCRIPT")" && pwd)/$(basename "$SCRIPT")
	TEST_TIMEOUT=${RUN_TIMEOUT:-300}
	# The boot outlives the script: a script's timeout is its own.
	[ "$GUEST_TIMEOUT" -gt $((TEST_TIMEOUT + 120)) ] ||
		GUEST_TIMEOUT=$((TEST_TIMEOUT + 120))
	;;
*) echo "usage: $0 check RESULTFILE | demo | shell | run" >&2; exit 2 ;;
esac

work=$OUT/guest
# Each run boots from and logs into a folder of its own, so that runs in
# parallel (several people, make check) do not trip over each other.
run=
vmlinuz=$CACHE/kernel/$KVER/boot/vmlinuz-$KVER

say() { echo "guest: $*" >&2; }

# A check that cannot run still leaves a result, so the summary counts it.
fail_early() {
	say "$*"
	[ "$mode" = check ] && echo "0 1 0" >"$result"
	exit 1
}

build() {
	local jobs
	jobs=$(nproc 2>/dev/null || echo 2)
	if [ ! -f "$vmlinuz" ] || [ ! -f "$KDIR/Makefile" ]; then
		"$TOP/scripts/deps.sh" kernel >&2 ||
			fail_early "cannot fetch the image and headers of $KVER"
	fi
	[ -f "$vmlinuz" ] || fail_early "no kernel image at $vmlinuz"
	make -s -C "$KDIR" M="$TOP" -j"$jobs" modules 2>&1 | quiet_kbuild ||
		fail_early "klpx.ko does not build"
	if [ "$mode" = run ]; then
		# The author's modules, built as patch.kbuild tells authors to.
		make -s -C "$KDIR" M="$MODULES" KLPX="$TOP" -j"$jobs" modules 2>&1 |
			quiet_kbuild || fail_early "the modules of $MODULES do not build"
	else
		make -s -C "$here/../test_modules" -j"$jobs" 2>&1 | quiet_kbuild ||
			fail_early "the test modules do not build"
		make -s -C "$TOP/samples" -j"$jobs" 2>&1 | quiet_kbuild ||
			fail_early "the sample modules do not build"
	fi
	${CC:-cc} -static -Os -Wall -o "$run/insmod" "$here/insmod.c" ||
		fail_early "the guest's insmod does not build"
	${CC:-cc} -static -Os -Wall -o "$run/uring-read" "$here/uring_read.c" ||
		fail_early "the guest's klpx-uring-read does not build"
}

# Drop kbuild's notice that BTF needs a vmlinux the headers do not ship.
quiet_kbuild() {
	grep -v '^Skipping BTF generation' >&2 || true
}

# add_kmod(root) - kmod's rmmod as /kmod/rmmod, with the libraries it
# links: the guest tests removal by both busybox's and kmod's rmmod,
# which refuse a busy module in different ways
add_kmod() {
	local root=$1 lib
	mkdir -p "$root/kmod"
	cp "$(command -v kmod)" "$root/kmod/kmod"
	ln -s kmod "$root/kmod/rmmod"
	for lib in $(ldd "$(command -v kmod)" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

assemble() {
	local root=$run/root a m
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp,root,selftests/tests} \
		 "$root/lib/modules/$KVER/extra"

	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
	done
	install -m 0755 "$here/init" "$root/init"
	add_kmod "$root"
	# So that ls and stat name root rather than UNKNOWN.
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	install -m 0755 "$run/insmod" "$root/bin/klpx-insmod"
	install -m 0755 "$run/uring-read" "$root/bin/klpx-uring-read"

	cp "$TOP/klpx.ko" "$root/lib/modules/$KVER/extra/"
	# Only the modules of the last build (modules.order lists .ko up to
	# 6.2, .o from 6.3): no stale .ko.
	for d in "$here/../test_modules" "$TOP/samples"; do
		[ "$mode" = run ] && break
		for m in $(sed 's/\.k\?o$//' "$d/modules.order"); do
			case "$m" in /*) ;; *) m="$d/${m#./}" ;; esac
			[ -e "$m.ko" ] && cp "$m.ko" "$root/lib/modules/$KVER/extra/"
		done
	done
	if [ "$mode" = run ]; then
		# The author's modules, in the folder the script runs in.
		mkdir -p "$root/run"
		for m in $(sed 's/\.k\?o$//' "$MODULES/modules.order"); do
			case "$m" in /*) ;; *) m="$MODULES/${m#./}" ;; esac
			cp "$m.ko" "$root/run/"
			cp "$m.ko" "$root/lib/modules/$KVER/extra/"
		done
		install -m 0755 "$SCRIPT" "$root/selftests/script.sh"
	fi
	# The build tier's generated patch modules (selftests/build/run.sh).
	if [ -n "$GUEST_MODULES_DIR" ]; then
		cp "$GUEST_MODULES_DIR"/*.ko "$root/lib/modules/$KVER/extra/"
	fi
	# So that modprobe works in the shell; insmod does not need it.
	depmod -b "$root" "$KVER" 2>/dev/null || true

	cp "$here/functions.sh" "$root/selftests/"
	[ -f "$here/demo.sh" ] && cp "$here/demo.sh" "$root/selftests/"
	for t in "${GUEST_TESTS_DIR:-$here/tests}"/*.sh; do
		[ -e "$t" ] && cp "$t" "$root/selftests/tests/"
	done
	(cd "$root/selftests/tests" && ls | grep '\.sh$' | LC_ALL=C sort) \
		>"$root/selftests/tests.list"
	# Experiments run only when GUEST_TESTS names them.
	for t in "$here"/experiments/*.sh; do
		[ -e "$t" ] || continue
		cp "$t" "$root/selftests/tests/"
		basename "$t" >>"$root/selftests/experiments.list"
	done

	(cd "$root" && find . | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$run/initramfs.cpio"
	rm -rf "$root"
}

# qemu_run MODE ARGS... - boot the guest; extra ARGS go to qemu.
qemu_run() {
	local mode=$1; shift
	# A guest that locks up, stalls or oopses panics, and a panic ends
	# qemu (-no-reboot): the run fails at once instead of at the limit.
	local append="console=ttyS0 panic=-1 oops=panic softlockup_panic=1"
	append="$append hung_task_panic=1 sysctl.kernel.hung_task_timeout_secs=60"
	append="$append sysctl.kernel.panic_on_rcu_stall=1"
	# Room for long transcripts; slab caches under their own names.
	append="$append log_buf_len=16M slab_nomerge"
	# A busy host can make the emulated timer look broken at boot; the
	# check then panics a kernel that would have run fine.
	append="$append no_timer_check"
	append="$append klpx_mode=$mode klpx_test_timeout=$TEST_TIMEOUT"
	[ -n "$GUEST_TESTS" ] && append="$append klpx_tests=$GUEST_TESTS"
	local limit="timeout -k 10 $GUEST_TIMEOUT"
	[ "$mode" = shell ] && limit=
	# One host thread runs every vCPU in turn (see Documentation/kernels.rst,
	# "The emulator"): multi-threaded TCG misses cross-CPU code changes.
	$limit qemu-system-x86_64 -accel "${GUEST_ACCEL:-tcg,thread=single}" -cpu max -smp "$GUEST_SMP" -m "$GUEST_MEM" \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$vmlinuz" -initrd "$run/initramfs.cpio" \
		-append "$append $GUEST_APPEND" "$@"
}

# Kernel-log policy: print every bad line outside the expect-warning
# markers, with the test it belongs to.  Prints nothing when the log is clean.
scan_console() {
	awk '
	{ sub(/\r$/, "") }
	/klpx-selftest: test .* begin/ { t = $0; sub(/.*klpx-selftest: test /, "", t); sub(/ begin.*/, "", t) }
	/klpx-selftest: test .* end/ { t = "(after " t ")" }
	# A test that died inside an expect-warning region closes it.
	/klpx-selftest: test .* (begin|end)/ { expect = 0 }
	/klpx-selftest: expect-warning begin/ { expect = 1 }
	/klpx-selftest: expect-warning end/ { expect = 0 }
	{ line[NR] = $0 }
	# The kernel command line names the panic_on_* settings.
	/[Cc]ommand line/ { next }
	# PREEMPT_RT turns spinlock_t into a sleeping lock: a sleep in atomic
	# context (BUG: sleeping function called from invalid context) and
	# lockdep reports count as much as a WARNING.
	!expect && /WARNING:|BUG:|Oops|general protection fault|rcu.*stall|RCU stall|soft lockup|hard LOCKUP|blocked for more than|Kernel panic|sleeping function called from invalid context|scheduling while atomic|Invalid wait context|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|lock held when returning to user space|possible irq lock inversion/ {
		bad[++nbad] = NR; who[nbad] = (t == "" ? "(boot or klpx.ko load/unload)" : t)
	}
	END {
		shown = 0
		for (i = 1; i <= nbad && shown < 3; i++) {
			if (i > 1 && bad[i] <= last) continue
			shown++
			printf("--- kernel log, test %s, line %d ---\n", who[i], bad[i])
			from = bad[i] - 3; if (from < 1) from = 1
			to = bad[i] + 40; if (to > NR) to = NR
			for (j = from; j <= to; j++) print line[j]
			last = to
		}
		if (nbad) printf("--- %d unexpected kernel log line(s) ---\n", nbad)
	}' "$console_log"
}

# emulator_signature() - when the kernel log shows a fault known to come
# from QEMU's multi-threaded TCG rather than from the kernel or klpx, name
# it in one line (see Documentation/kernels.rst, "The emulator").  It
# explains a failure, never excuses it.  Prints nothing otherwise.
emulator_signature() {
	awk '
	{ sub(/\r$/, "") }
	# An int3 no owner claims: text_poke_bp() had already taken it out.
	!int3 && /Oops: int3|[^a-z_]int3: 0000/ { int3 = $0 }
	# The experiment text-poke-stale saw a CPU run replaced code.
	!stale && /\(stale code\)$/ { stale = $0 }
	# A lockup or stall that finds a CPU sitting on a NOP, a forward
	# short jump or an int3 that text patching writes (a jump label or
	# ftrace site), or on the call ftrace puts at a function entry:
	# rewound, again and again, over an int3 that memory no longer holds.
	/soft lockup|rcu.*stall|RCU stall/ { lockup = 1 }
	lockup && !site && /RIP: 0010:/ { rip = $0; next }
	rip && /Code: / {
		if ($0 ~ /<66> 90|<0f> 1f 44 00 00|<eb> [0-7][0-9a-f] |<cc>/ ||
		    (rip ~ /\+0x[04]\// && $0 ~ /<e8>|Unable to access opcode/))
			site = rip
		rip = ""
	}
	END {
		if (int3) print "an int3 that no text patching owned any more (a stale int3): " int3
		else if (site) print "a CPU stuck on a patched instruction (stale int3 rewound): " site
		else if (stale) print "a CPU ran code memory no longer held: " stale
	}' "$console_log"
}

do_check() {
	local start rc=0 passed failed skipped planned seen problems signature
	start=$(date +%s)
	rm -f "$console_log" "$tap_log"
	# Poisoned, red-zoned, checked slabs for klpx's variables: a use
	# after free or an overrun shows up as a BUG in the kernel log.
	GUEST_APPEND="slub_debug=FZPU,klpx_shadow_* $GUEST_APPEND" \
	qemu_run check -serial "file:$console_log" -serial stdio </dev/null |
		sed -u 's/\r$//' | tee "$tap_log" || rc=$?
	[ -s "$console_log" ] || touch "$console_log"

	# loading and unloading klpx.ko are preconditions: they fail the tier, never pass it
	passed=$(grep -E '^ok [0-9]+' "$tap_log" | grep -v ' klpx\.ko \(un\)\?loads$' | grep -vc '# SKIP' || true)
	skipped=$(grep -E '^ok [0-9]+' "$tap_log" | grep -c '# SKIP' || true)
	failed=$(grep -cE '^not ok [0-9]+' "$tap_log" || true)
	planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$tap_log" | head -n1)
	seen=$((passed + skipped + failed))

	if [ $rc -ne 0 ]; then
		say "qemu exited with status $rc (124: the ${GUEST_TIMEOUT}s limit)"
	fi
	if ! grep -q '^# klpx-guest: done' "$tap_log"; then
		say "the guest did not finish its run; last kernel log lines:"
		tail -n 30 "$console_log" >&2
		if [ -n "$planned" ] && [ "$planned" -gt "$seen" ]; then
			failed=$((failed + planned - seen))
		else
			failed=$((failed + 1))
		fi
	fi
	problems=$(scan_console)
	if [ -n "$problems" ]; then
		echo "$problems" >&2
		say "unexpected kernel warnings: the tier fails"
		failed=$((failed + 1))
	fi
	signature=$(emulator_signature)
	[ -z "$signature" ] ||
		say "emulator signature (QEMU ${GUEST_ACCEL:-tcg,thread=single}), the run still fails: $signature"

	printf '%s %s %s\n%s\n' "$passed" "$failed" "$skipped" "cases on $KVER; klpx.ko load and unload are preconditions, not counted" >"$result"
	say "$passed passed, $failed failed, $skipped skipped in $(($(date +%s) - start))s" \
	    "(logs: ${keep}console.log ${keep}tap.log)"
	[ "$failed" -eq 0 ]
}

do_demo() {
	local rc=0 problems
	if [ ! -f "$here/demo.sh" ]; then
		say "there is no selftests/guest/demo.sh yet: nothing to show"
		exit 1
	fi
	rm -f "$console_log" "$tap_log"
	qemu_run demo -serial "file:$console_log" -serial stdio </dev/null |
		sed -u 's/\r$//' | tee "$tap_log" |
		sed -u '/^klpx-guest: demo exit status/d' || rc=$?
	[ $rc -eq 0 ] || say "qemu exited with status $rc (124: the ${GUEST_TIMEOUT}s limit)"
	problems=$(scan_console)
	if [ -n "$problems" ]; then
		echo "$problems" >&2
		say "unexpected kernel warnings during the demo"
		rc=1
	fi
	if ! grep -q '^klpx-guest: demo exit status 0$' "$tap_log"; then
		say "demo.sh did not complete successfully:" \
		    "$(grep '^klpx-guest: ' "$tap_log" || echo "no exit status")"
		rc=1
	fi
	return $rc
}

# The author's script: its output is the transcript, its status ours.  A
# kernel warning (as check counts them) turns a 0 into 1.
do_run() {
	local rc=0 status problems
	rm -f "$console_log" "$tap_log"
	qemu_run run -serial "file:$console_log" -serial stdio </dev/null |
		sed -u 's/\r$//' | tee "$tap_log" |
		sed -u '/^klpx-guest: /d' || rc=$?
	[ $rc -eq 0 ] || say "qemu exited with status $rc (124: the ${GUEST_TIMEOUT}s limit)"
	status=$(sed -n 's/^klpx-guest: run exit status \([0-9]*\)$/\1/p' "$tap_log")
	if [ -z "$status" ]; then
		say "the script did not finish:" \
		    "$(grep '^klpx-guest: ' "$tap_log" || echo "the guest stopped first")"
		say "the kernel log is in ${keep}console.log"
		return 1
	fi
	[ "$status" -eq 137 ] && say "the script was killed after ${TEST_TIMEOUT}s (RUN_TIMEOUT)"
	say "the script exited with status $status"
	problems=$(scan_console)
	if [ -n "$problems" ]; then
		echo "$problems" >&2
		say "unexpected kernel warnings (the kernel log is in ${keep}console.log)"
		[ "$status" -ne 0 ] || status=1
	fi
	return "$status"
}

do_shell() {
	local i
	say "booting; Ctrl-A x quits qemu, poweroff leaves cleanly"
	if [ -t 0 ]; then
		GUEST_APPEND="quiet $GUEST_APPEND" qemu_run shell -serial mon:stdio
		return
	fi
	# Commands from a pipe: hold them until the guest's shell is there
	# (the serial line drops what comes before), and skip line editing.
	{
		for i in $(seq 1200); do
			grep -q '^klpx guest: ' "$run/shell.log" 2>/dev/null && break
			sleep 0.1
		done
		cat
	} | GUEST_APPEND="quiet klpx_shell=plain $GUEST_APPEND" \
		qemu_run shell -serial mon:stdio | tee "$run/shell.log"
}

mkdir -p "$work"
run=$(mktemp -d "$work/$mode.XXXXXX")
console_log=$run/console.log
tap_log=$run/tap.log
# The last run of each mode leaves its logs in $work.
keep=$work/$([ "$mode" = check ] || echo "$mode-")
finish() {
	[ -f "$console_log" ] && cp "$console_log" "${keep}console.log"
	[ -f "$tap_log" ] && cp "$tap_log" "${keep}tap.log"
	rm -rf "$run"
}
trap finish EXIT
# The test modules build in the tree: one build at a time.
exec 9>"$work/.build.lock"
flock 9
build
assemble
exec 9>&-
case "$mode" in
check) do_check ;;
demo) do_demo ;;
shell) do_shell ;;
run) do_run ;;
esac
