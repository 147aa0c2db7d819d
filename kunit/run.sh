#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [RESULT] - run the klpx KUnit suites in a UML kernel, or in an
# x86_64 kernel under QEMU.
#
# KUNIT selects the configuration:
#   um       (default) UML, uniprocessor: kunit/.kunitconfig.  Fast.
#   preempt  x86_64, two vCPUs, PREEMPT (so PREEMPT_RCU, the preemptible
#            Tree RCU): .kunitconfig + x86_64.kunitconfig +
#            preempt.kunitconfig.
#   rt       x86_64, two vCPUs, PREEMPT_RT (needs KERNEL=6.12):
#            .kunitconfig + x86_64.kunitconfig + rt.kunitconfig.
# QEMU runs without KVM (TCG), so /dev/kvm is never needed.
#
# The kernel source comes from Debian's linux-source-<version> tarball:
# KERNEL=6.1 (default; the package make deps installs) or KERNEL=6.12 (its
# package downloaded into $CACHE/source/ by scripts/deps.sh, not installed).
# The RT flavours have the same source: KERNEL=6.1-rt means 6.1.  The
# tarball is unpacked once into $CACHE/kunit/ (a new package version
# unpacks afresh).  shadow/,
# kunit/ and include/ are wired into that tree as symlinks under lib/klpx/,
# plus one line each in lib/Makefile and lib/Kconfig, so the kernel builds
# our files in place.  kunit.py configures, builds (incrementally, in a
# cached build folder) and boots the kernel; its JSON result becomes the
# line "<passed> <failed> <skipped>" in RESULT (default $OUT/results/kunit).
#
# Exit status: 0 when every case passed, non-zero otherwise, including when
# the tier cannot run at all (no kernel source, build failure, crash).

set -eu

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
CACHE=${CACHE:-$TOP/.cache}
OUT=${OUT:-$TOP/out}
KERNEL=${KERNEL:-6.1}
KUNIT=${KUNIT:-um}
JOBS=${KLPX_KUNIT_JOBS:-2}
RESULT=${1:-$OUT/results/kunit}

mkdir -p "$(dirname "$RESULT")" "$OUT/kunit"
rm -f "$RESULT"

# fail MSG... - report why the tier could not run and record one failure.
fail() {
	echo "kunit: FAIL: $*" >&2
	echo "0 1 0" >"$RESULT"
	exit 1
}

case "$KUNIT" in
um|preempt|rt) ;;
*) fail "KUNIT=$KUNIT: not one of um, preempt, rt" ;;
esac

srcver=${KERNEL%-rt}
case "$srcver" in
6.1)
	TARBALL=${KLPX_KUNIT_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
	[ -r "$TARBALL" ] ||
		fail "no kernel source at $TARBALL (install linux-source-6.1: make deps)"
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
	;;
6.12)
	TARBALL=${KLPX_KUNIT_TARBALL:-$("$TOP/scripts/deps.sh" source 6.12)} ||
		fail "cannot fetch linux-source-6.12"
	[ -r "$TARBALL" ] || fail "no kernel source at $TARBALL"
	ver=
	;;
*)
	fail "KUnit runs against the source of 6.1 or 6.12, not KERNEL=$KERNEL" ;;
esac

# The cache key: the source version and the package version when dpkg
# knows the tarball, else its size and modification time.
[ -n "$ver" ] || ver=$(stat -c '%s-%Y' "$TARBALL")
ver=$srcver-$ver
key=$(printf '%s' "$ver" | tr -c 'A-Za-z0-9.+-' '_')

base=$CACHE/kunit
mkdir -p "$base"
# One run at a time per source: runs of one source share its tree (whose
# lib/klpx links name one klpx tree).  Runs of different sources share
# nothing and may overlap.
exec 9>"$base/.lock-$srcver"
flock 9
src=$base/src-$key
tree=$src/linux-source-$srcver
build=$base/build-$key
[ "$KUNIT" = um ] || build=$build-x86_64-$KUNIT

# Unpack once; a stamp written last tells a complete tree from an
# interrupted one.
if [ ! -e "$src/.unpacked" ]; then
	echo "kunit: unpacking $TARBALL ($ver) into $src"
	rm -rf "$src" "$src.tmp" "$build"
	mkdir -p "$src.tmp"
	tar -xJf "$TARBALL" -C "$src.tmp" || fail "cannot unpack $TARBALL"
	mv "$src.tmp" "$src"
	touch "$src/.unpacked"
	# Trees of older package versions of this source are dead weight.
	for old in "$base"/src-"$srcver"-* "$base"/build-"$srcver"-*; do
		case $old in "$src"|"$build") ;; *) rm -rf "$old" ;; esac
	done
fi
[ -x "$tree/tools/testing/kunit/kunit.py" ] ||
	fail "unpacked tree $tree has no tools/testing/kunit/kunit.py"

# link PATH TARGET - make lib/klpx/PATH a symlink to TARGET (idempotent).
link() {
	if [ "$(readlink "$tree/lib/klpx/$1" 2>/dev/null)" != "$2" ]; then
		rm -rf "$tree/lib/klpx/$1"
		ln -s "$2" "$tree/lib/klpx/$1"
	fi
}

# link_sources DIR - link every C source and header of $TOP/DIR into
# lib/klpx/DIR, and drop links to files that went away or that belong to
# another klpx tree (the cache may be shared).  Files, not the directory:
# kbuild must not find the objects that the out-of-tree module build
# leaves next to the sources.
link_sources() {
	if [ -L "$tree/lib/klpx/$1" ]; then
		rm -f "$tree/lib/klpx/$1"
	fi
	mkdir -p "$tree/lib/klpx/$1"
	for f in "$tree/lib/klpx/$1"/*; do
		if [ -L "$f" ] && { [ ! -e "$f" ] ||
		   [ "$(readlink "$f")" != "$TOP/$1/${f##*/}" ]; }; then
			rm -f "$f"
		fi
	done
	for f in "$TOP/$1"/*.[ch]; do
		if [ -e "$f" ]; then
			link "$1/${f##*/}" "$f"
		fi
	done
}

# add_line FILE LINE - append LINE to FILE unless it is already there.
add_line() {
	grep -qxF "$2" "$1" || printf '%s\n' "$2" >>"$1"
}

mkdir -p "$tree/lib/klpx"
link_sources shadow
link_sources kunit
link include "$TOP/include"
link Kbuild "$TOP/kunit/Kbuild.tree"
link Kconfig "$TOP/kunit/Kconfig"
add_line "$tree/lib/Makefile" 'obj-y += klpx/'
add_line "$tree/lib/Kconfig" 'source "lib/klpx/Kconfig"'

[ -e "$TOP/shadow/registry.c" ] && [ -e "$TOP/shadow/store.c" ] ||
	fail "shadow/registry.c or shadow/store.c is missing"

# A build made from another klpx tree (a mutate.py copy, another
# worktree) holds objects whose sources look older than them here: drop
# them so that make compiles klpx's files afresh.
mkdir -p "$build"
if [ "$(cat "$build/.klpx-top" 2>/dev/null)" != "$TOP" ]; then
	rm -rf "$build/lib/klpx"
	printf '%s\n' "$TOP" >"$build/.klpx-top"
fi
log=$OUT/kunit/kunit-$srcver-$KUNIT.log
json=$OUT/kunit/kunit-$srcver-$KUNIT.json
rm -f "$json" "$build/test.log"
echo "kunit: building and running in $build (log: $log)"
start=$(date +%s)
# The configuration: kunit.py concatenates the fragments.  Two vCPUs under
# single-threaded TCG, as the guest tier (Documentation/kernels.rst); the
# x86_64 suites run in about a minute, so a kernel that has not
# finished after 10 minutes (KLPX_KUNIT_TIMEOUT) has hung.
if [ "$KUNIT" = um ]; then
	set -- --arch=um --kunitconfig="$TOP/kunit/.kunitconfig"
else
	set -- --arch=x86_64 \
		--kunitconfig="$TOP/kunit/.kunitconfig" \
		--kunitconfig="$TOP/kunit/x86_64.kunitconfig" \
		--kunitconfig="$TOP/kunit/$KUNIT.kunitconfig" \
		--qemu_args="-smp 2 -accel tcg,thread=single" \
		--timeout="${KLPX_KUNIT_TIMEOUT:-600}"
fi
set +e
(
	cd "$tree" &&
	python3 tools/testing/kunit/kunit.py run "$@" \
		--build_dir="$build" \
		--jobs="$JOBS" \
		--kernel_args=kasan_multi_shot \
		--json="$json"
) >"$log" 2>&1
rc=$?
set -e
echo "kunit: $KUNIT: kunit.py exited $rc after $(($(date +%s) - start)) s"

# Show the outcome: one line per case, then the summary.
grep -E '\[(PASSED|FAILED|SKIPPED|CRASHED)\]|Testing complete|ERROR' "$log" || true

[ -s "$json" ] || { tail -40 "$log" >&2; fail "kunit.py produced no result (exit $rc)"; }
counts=$(python3 "$TOP/kunit/results.py" "$json" "$build/test.log") ||
	fail "cannot read the results in $json and $build/test.log"
set -- $counts
passed=$1 failed=$2 skipped=$3
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "kunit: kunit.py failed although no case did; see $log" >&2
	failed=1
fi
if [ $((passed + failed + skipped)) -eq 0 ]; then
	echo "kunit: no case ran" >&2
	failed=1
fi
case "$KUNIT" in
um)	what="UML, uniprocessor, $srcver source" ;;
preempt) what="x86_64 under QEMU, 2 vCPUs, SMP PREEMPT, $srcver source" ;;
rt)	what="x86_64 under QEMU, 2 vCPUs, PREEMPT_RT, $srcver source" ;;
esac
printf '%s %s %s\n%s\n' "$passed" "$failed" "$skipped" "$what" >"$RESULT"
echo "kunit: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
