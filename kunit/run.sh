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

# link NAME TARGET - make lib/klpx/NAME a symlink to TARGET (idempotent).
link() {
	if [ "$(readlink "$tree/lib/klpx/$1" 2>/dev/null)" != "$2" ]; then
		rm -rf "$tree/lib/klpx/$1"
		ln -s "$2" "$tree/lib/klpx/$1"
	fi
}

# add_line FILE LINE - append LINE to FILE unless it is already there.
add_line() {
	grep -qxF "$2" "$1" || printf '%s\n' "$2" >>"$1"
}

mkdir -p "$tree/lib/klpx"
link shadow "$TOP/shadow"
link kunit "$TOP/kunit"
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
rm -f "$json"
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
		--json="$json"
) >"$log" 2>&1
rc=$?
set -e
echo "kunit: kunit.py exited $rc after $(($(date +%s) - start)) s"

# Show the outcome: the per-case lines and anything the kernel complained
# about (KASAN, lockdep, WARN, BUG).
grep -E '\[(PASSED|FAILED|SKIPPED|CRASHED)\]|Testing complete|ERROR|error:' "$log" || true
if grep -qE 'BUG: KASAN|WARNING: possible|WARNING: suspicious RCU|BUG: sleeping function|------------\[ cut here \]' \
	"$build/test.log" 2>/dev/null; then
	echo "kunit: the kernel log has reports (see $build/test.log):" >&2
	grep -E -A20 'BUG: KASAN|WARNING: possible|WARNING: suspicious RCU|BUG: sleeping function|cut here' \
		"$build/test.log" | head -120 >&2
fi

[ -s "$json" ] || { tail -40 "$log" >&2; fail "kunit.py produced no result (exit $rc)"; }

counts=$(python3 - "$json" <<'PY'
import json, sys

def walk(group, acc):
    for case in group.get("test_cases", []):
        st = case.get("status", "")
        acc[{"PASS": 0, "SKIP": 2}.get(st, 1)] += 1
    for sub in group.get("sub_groups", []):
        walk(sub, acc)

acc = [0, 0, 0]
walk(json.load(open(sys.argv[1])), acc)
print(*acc)
PY
) || fail "cannot parse $json"
set -- $counts
passed=$1 failed=$2 skipped=$3
[ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
[ $((passed + failed + skipped)) -gt 0 ] || failed=1
echo "$passed $failed $skipped" >"$RESULT"
echo "kunit: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
