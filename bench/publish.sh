#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# publish.sh RESULTS PNG - put the table of a make bench run into
# Documentation/benchmarks.rst (between its results markers) and the plot
# into Documentation/bench-get.png.  Run by bench/run.sh with
# BENCH_PUBLISH=1; committing them is left to the person who ran it.
set -e -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
TOP=${TOP:-$(cd "$here/.." && pwd)}
results=$1
png=$2
doc=$TOP/Documentation/benchmarks.rst

[ -s "$results" ] && [ -s "$png" ] || {
	echo "usage: $0 RESULTS PNG (both non-empty)" >&2
	exit 2
}
grep -q '^\.\. bench-results-begin' "$doc" && grep -q '^\.\. bench-results-end' "$doc" || {
	echo "publish: $doc has no bench-results markers" >&2
	exit 1
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk -v results="$results" '
	/^\.\. bench-results-begin/ {
		print
		print ""
		print "::"
		print ""
		while ((getline line < results) > 0)
			print (line == "" ? "" : "   " line)
		print ""
		skip = 1
		next
	}
	/^\.\. bench-results-end/ { skip = 0 }
	!skip { print }' "$doc" >"$tmp"
cat "$tmp" >"$doc"
cp "$png" "$TOP/Documentation/bench-get.png"
echo "publish: updated $doc and Documentation/bench-get.png" >&2
