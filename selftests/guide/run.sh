#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh RESULTFILE - the guide tier: Documentation/first-patch.rst, done
# as a reader would do it, from an empty folder.
#
#   1. the files the guide shows are those of samples/first-patch/
#   2. that folder, built without KLPX=, stops with the one line that says
#      what to set
#   3. make guest-run of that folder and its story.sh exits 0 and prints
#      the transcript the guide shows
#   4. make guest-run hands the script's exit status back, and insmod in
#      the script is klpx-insmod
#
# Writes "<passed> <failed> <skipped>" to RESULTFILE.  KERNEL= picks the
# kernel (default 6.1, the one the guide's transcript is from).
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
TOP=${TOP:-$(cd "$here/../.." && pwd)}
OUT=${OUT:-$TOP/out}
result=$1
[ -n "$result" ] || { echo "usage: $0 RESULTFILE" >&2; exit 2; }
guide=$TOP/Documentation/first-patch.rst
samples=$TOP/samples/first-patch
work=$OUT/guide
passed=0 failed=0 n=0

ok() {
	n=$((n + 1)) passed=$((passed + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n $1"
}

# blocks_after MARKER - the literal blocks that follow ".. MARKER" lines
# in the guide, as "@@ ARG" headers followed by the block's lines, one
# tab of indentation removed
blocks_after() {
	awk -v marker="$1" '
	function flush() { while (blank > 0) { print ""; blank-- } }
	$0 ~ "^\\.\\. " marker { arg = $0; sub("^\\.\\. " marker ":? *", "", arg)
		print "@@ " arg; state = 1; next }
	state == 1 && /^\.\. code-block::/ { state = 2; next }
	state == 2 && /^$/ { state = 3; started = 0; blank = 0; next }
	state == 3 && /^$/ { if (started) blank++; next }
	state == 3 && /^\t/ { flush(); sub(/^\t/, ""); print; started = 1; next }
	state == 3 { state = 0; blank = 0 }
	' "$guide"
}

# The guide's files, written into folder $1.
write_guide_files() {
	local dir=$1
	blocks_after first-patch-file | awk -v dir="$dir" '
	/^@@ / { file = dir "/" substr($0, 4); printf "" > file; next }
	{ print >> file }'
}

# Sort each run of garbage-collection lines: their order follows hashes.
normalise() {
	awk '
	function flush(i) {
		if (!k)
			return
		fflush()
		for (i = 1; i <= k; i++)
			print run[i] | "LC_ALL=C sort"
		close("LC_ALL=C sort")
		k = 0
	}
	/: buffer freed$/ { run[++k] = $0; next }
	{ flush(); print }
	END { flush() }'
}

rm -rf "$work"
mkdir -p "$work/leaky" "$work/status"
echo "TAP version 13"
echo "1..4"

# 1. The guide shows the tree's example, file by file, and nothing else.
write_guide_files "$work/leaky"
shown=$(cd "$work/leaky" && ls | LC_ALL=C sort)
tracked=$(git -C "$samples" ls-files | LC_ALL=C sort)
if [ -n "$shown" ] && [ "$shown" = "$tracked" ] &&
   diff -r "$work/leaky" "$samples" -x '*.o' -x '*.ko' -x '*.mod*' -x '.*' \
	-x modules.order -x Module.symvers >"$work/files.diff"; then
	ok "the guide shows the files of samples/first-patch"
else
	echo "# shown: $(echo $shown); in the tree: $(echo $tracked)"
	sed 's/^/# /' "$work/files.diff"
	not_ok "the guide shows the files of samples/first-patch"
fi

# 2. Without KLPX the build stops with the line saying what to set.
want='KLPX is not set: add KLPX=<the klpx folder> to the make command'
cp -r "$work/leaky" "$work/noklpx"
out=$(env -u KLPX make -C "$KDIR" M="$work/noklpx" modules 2>&1)
if echo "$out" | grep -qF "Kbuild:2: *** $want.  Stop." &&
   ! ls "$work/noklpx"/*.o >/dev/null 2>&1; then
	ok "a build without KLPX= says what to set"
else
	echo "$out" | sed 's/^/# /'
	not_ok "a build without KLPX= says what to set"
fi

# 3. The guide's run prints the guide's transcript.
blocks_after first-patch-transcript | sed 1d | normalise >"$work/expected"
make -s -C "$TOP" guest-run MODULES="$work/leaky" \
	SCRIPT="$work/leaky/story.sh" >"$work/run.out" 2>"$work/run.err"
rc=$?
sed -n '/^== /,$p' "$work/run.out" | normalise >"$work/got"
if [ $rc -eq 0 ] && [ -s "$work/expected" ] &&
   diff -u "$work/expected" "$work/got" >"$work/transcript.diff"; then
	ok "make guest-run of the guide's folder prints the guide's transcript"
else
	echo "# make guest-run exited with $rc"
	sed 's/^/# /' "$work/transcript.diff" "$work/run.err"
	not_ok "make guest-run of the guide's folder prints the guide's transcript"
fi

# 4. A script's status comes back; insmod in it is klpx-insmod, which
#    loads once; multi-line constructs work.
cat >"$work/status/Kbuild" <<'KBUILD'
obj-m := leaky.o
include $(KLPX)/scripts/patch.kbuild
KBUILD
cp "$work/leaky/leaky.c" "$work/leaky/leaky.h" "$work/status/"
cat >"$work/status/check.sh" <<'SCRIPT'
type insmod | grep -q function || { echo "insmod is not klpx-insmod"; exit 1; }
for m in leaky; do
	insmod "$m.ko"
done
grep -q '^leaky ' /proc/modules && echo "leaky loaded"
exit 3
SCRIPT
MODULES="$work/status" SCRIPT="$work/status/check.sh" RUN_TIMEOUT=60 \
	"$TOP/selftests/guest/run.sh" run >"$work/status.out" 2>"$work/status.err" </dev/null
rc=$?
if [ $rc -eq 3 ] && [ "$(cat "$work/status.out")" = "leaky loaded" ]; then
	ok "make guest-run exits with the script's status; insmod is klpx-insmod"
else
	echo "# run.sh run exited with $rc, printed:"
	sed 's/^/# /' "$work/status.out" "$work/status.err"
	not_ok "make guest-run exits with the script's status; insmod is klpx-insmod"
fi

echo "$passed $failed 0" >"$result"
echo "cases: the first-patch guide on $(basename "$KDIR" | sed 's/^linux-headers-//')" >>"$result"
echo "# guide: $passed passed, $failed failed"
[ $failed -eq 0 ]
