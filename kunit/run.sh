#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [RESULT] - run the klpx KUnit suites in a UML kernel.
#
# The kernel source comes from Debian's linux-source-6.1 tarball, unpacked
# once into $CACHE/kunit/ (a new package version unpacks afresh).  shadow/,
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
TARBALL=${KLPX_KUNIT_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
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

[ -r "$TARBALL" ] ||
	fail "no kernel source at $TARBALL (install linux-source-6.1: make deps)"

# The cache key: the package version when dpkg knows the tarball, else its
# size and modification time.
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[ -n "$ver" ] || ver=$(stat -c '%s-%Y' "$TARBALL")
key=$(printf '%s' "$ver" | tr -c 'A-Za-z0-9.+-' '_')

base=$CACHE/kunit
mkdir -p "$base"
# One run at a time: they share the tree and the build folder.
exec 9>"$base/.lock"
flock 9
src=$base/src-$key
tree=$src/linux-source-6.1
build=$base/build-$key

# Unpack once; a stamp written last tells a complete tree from an
# interrupted one.
if [ ! -e "$src/.unpacked" ]; then
	echo "kunit: unpacking $TARBALL ($ver) into $src"
	rm -rf "$src" "$src.tmp" "$build"
	mkdir -p "$src.tmp"
	tar -xJf "$TARBALL" -C "$src.tmp" || fail "cannot unpack $TARBALL"
	mv "$src.tmp" "$src"
	touch "$src/.unpacked"
	# Trees of older package versions are dead weight.
	for old in "$base"/src-* "$base"/build-*; do
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
# lib/klpx/DIR, and drop links to files that went away.  Files, not the
# directory: kbuild must not find the objects that the out-of-tree module
# build leaves next to the sources.
link_sources() {
	if [ -L "$tree/lib/klpx/$1" ]; then
		rm -f "$tree/lib/klpx/$1"
	fi
	mkdir -p "$tree/lib/klpx/$1"
	for f in "$tree/lib/klpx/$1"/*; do
		if [ -L "$f" ] && [ ! -e "$f" ]; then
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

mkdir -p "$build"
log=$OUT/kunit/kunit.log
json=$OUT/kunit/kunit.json
rm -f "$json" "$build/test.log"
echo "kunit: building and running in $build (log: $log)"
start=$(date +%s)
set +e
(
	cd "$tree" &&
	python3 tools/testing/kunit/kunit.py run \
		--arch=um \
		--kunitconfig="$TOP/kunit/.kunitconfig" \
		--build_dir="$build" \
		--jobs="$JOBS" \
		--kernel_args=kasan_multi_shot \
		--json="$json"
) >"$log" 2>&1
rc=$?
set -e
echo "kunit: kunit.py exited $rc after $(($(date +%s) - start)) s"

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
echo "$passed $failed $skipped" >"$RESULT"
echo "kunit: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
