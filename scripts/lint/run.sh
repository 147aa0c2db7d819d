#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [RESULT] - the lint tier: what a kernel maintainer runs on a
# change, over klpx's kernel code (core/, shadow/, include/, kunit/,
# samples/) and its Documentation/.  Five cases:
#
#   checkpatch  scripts/checkpatch.pl --strict --no-tree: no error, and
#               no warning or check that scripts/lint/checkpatch.allow
#               does not list with its reason (an entry nothing matches
#               any more fails the case too: the list stays true)
#   sparse      make C=2 of klpx.ko and the samples against the 6.1
#               headers: no warning in our files
#   kernel-doc  scripts/kernel-doc -none: no warning
#   floors      scripts/lint/floors.py: no file of core/ or shadow/ calls
#               up a floor (Documentation/core.rst), every file on one
#   docs        make docs: Sphinx, warnings as errors
#
# checkpatch and kernel-doc come from the 6.1 source the KUnit tier
# unpacks into $CACHE/kunit/; without it, their scripts/ folder is taken
# from /usr/src/linux-source-6.1.tar.xz into $CACHE/lint/.  The build for
# sparse runs in a copy of the tracked files, so the tree's own objects
# stay as they are.  RESULT (default $OUT/results/lint) gets "<passed>
# <failed> <skipped>".
set -u

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CACHE=${CACHE:-$TOP/.cache}
OUT=${OUT:-$TOP/out}
RESULT=${1:-$OUT/results/lint}
ALLOW=$TOP/scripts/lint/checkpatch.allow
TARBALL=${KLPX_LINT_TARBALL:-/usr/src/linux-source-6.1.tar.xz}

mkdir -p "$(dirname "$RESULT")"
rm -f "$RESULT"
work=$(mktemp -d "${TMPDIR:-/tmp}/klpx-lint.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok: $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok: $*"; }

cd "$TOP" || exit 1
files=$(git ls-files 'core/*.[ch]' 'shadow/*.[ch]' 'include/*.h' \
	'kunit/*.[ch]' 'samples/*.[ch]')

# The kernel's scripts/ folder: the KUnit tier's tree, else unpacked here.
scripts=$(ls -d "$CACHE"/kunit/src-6.1-*/linux-source-6.1/scripts 2>/dev/null |
	  tail -n 1)
if [ -z "$scripts" ]; then
	scripts=$CACHE/lint/linux-source-6.1/scripts
	if [ ! -e "$CACHE/lint/.unpacked" ]; then
		echo "lint: unpacking scripts/ of $TARBALL into $CACHE/lint"
		rm -rf "$CACHE/lint"
		mkdir -p "$CACHE/lint"
		tar -xJf "$TARBALL" -C "$CACHE/lint" linux-source-6.1/scripts &&
			touch "$CACHE/lint/.unpacked"
	fi
fi

# --- checkpatch -----------------------------------------------------------

# Each finding as "<file> <TYPE> <LEVEL> <line>: <message>".
"$scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--no-summary -f $files 2>&1 |
	sed -nE 's/^([^:]+):([0-9]+): (ERROR|WARNING|CHECK):([A-Z_0-9]+): (.*)/\1 \4 \3 \2: \5/p' \
	>"$work/findings"
# In a git tree checkpatch leaves a cache of CamelCase words behind.
rm -f "$TOP"/.checkpatch-camelcase.git.*
# The allow-list without comments: "<file glob> <TYPE> <reason...>".
grep -vE '^[[:space:]]*(#|$)' "$ALLOW" >"$work/allow"
bad=0
while read -r file type level rest; do
	allowed=
	if [ "$level" != ERROR ]; then
		while read -r glob atype reason; do
			# shellcheck disable=SC2254
			case "$file" in $glob) [ "$atype" = "$type" ] && allowed=1 ;; esac
		done <"$work/allow"
	fi
	if [ -z "$allowed" ]; then
		echo "checkpatch: $file:$rest ($level $type)"
		bad=$((bad + 1))
	fi
done <"$work/findings"
while read -r glob atype reason; do
	used=
	while read -r file type level rest; do
		# shellcheck disable=SC2254
		case "$file" in $glob) [ "$atype" = "$type" ] && used=1 ;; esac
	done <"$work/findings"
	if [ -z "$used" ]; then
		echo "checkpatch: allow-list entry \"$glob $atype\" matches nothing: remove it"
		bad=$((bad + 1))
	fi
done <"$work/allow"
n=$(wc -l <"$work/findings")
if [ "$bad" -eq 0 ]; then
	ok "checkpatch --strict: $n finding(s), each allowed with a reason in scripts/lint/checkpatch.allow"
else
	not_ok "checkpatch --strict: $bad finding(s) to fix"
fi

# --- sparse ---------------------------------------------------------------

kdir=$(KERNEL=6.1 KVER= CACHE=$CACHE "$TOP/scripts/kver.sh" --kdir)
if ! command -v sparse >/dev/null; then
	not_ok "sparse: not installed (make deps)"
elif [ ! -f "$kdir/Makefile" ]; then
	not_ok "sparse: no 6.1 headers at $kdir (make deps)"
else
	mkdir -p "$work/tree"
	git ls-files -z | xargs -0 cp --parents -t "$work/tree"
	{
		make -C "$kdir" M="$work/tree" C=2 modules &&
		make -C "$work/tree/samples" KDIR="$kdir" TOP="$work/tree" C=2
	} >"$work/sparse.log" 2>&1
	rc=$?
	grep -E "^$work/tree/.*: (warning|error):" "$work/sparse.log" |
		sed "s|^$work/tree/||" >"$work/sparse"
	if [ $rc -ne 0 ]; then
		tail -n 20 "$work/sparse.log"
		not_ok "sparse: the build failed"
	elif [ -s "$work/sparse" ]; then
		cat "$work/sparse"
		not_ok "sparse: $(wc -l <"$work/sparse") warning(s)"
	else
		ok "sparse (make C=2): klpx.ko and the samples, no warning"
	fi
fi

# --- kernel-doc -----------------------------------------------------------

"$scripts/kernel-doc" -none $files >"$work/kdoc" 2>&1
if [ -s "$work/kdoc" ]; then
	cat "$work/kdoc"
	not_ok "kernel-doc -none: $(grep -c . "$work/kdoc") line(s) of warnings"
else
	ok "kernel-doc -none: no warning"
fi

# --- floors ---------------------------------------------------------------

if python3 "$TOP/scripts/lint/floors.py" "$TOP" >"$work/floors" 2>&1; then
	ok "floors: core/ and shadow/ call only down, every file on a floor"
else
	grep '^floors: ' "$work/floors"
	not_ok "floors: $(grep -c '^floors: ' "$work/floors") fault(s)"
fi

# --- docs -----------------------------------------------------------------

if make -s -C "$TOP" docs >"$work/docs" 2>&1; then
	ok "make docs: Documentation/ builds with Sphinx, no warning"
else
	cat "$work/docs"
	not_ok "make docs: Sphinx warnings or errors"
fi

echo "$passed $failed 0" >"$RESULT"
echo "checkpatch, sparse, kernel-doc, floors and Sphinx over the kernel code and Documentation/" >>"$RESULT"
echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
