#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# compare.sh NAME_A RESULTS_A NAME_B RESULTS_B - the ratios of two make bench
# runs (out/bench/results.txt of each, e.g. one per kernel) side by side,
# one row per measurement found in either.
set -e
[ $# -eq 4 ] || { echo "usage: $0 NAME_A RESULTS_A NAME_B RESULTS_B" >&2; exit 2; }
awk -v a="$1" -v b="$3" '
# A row: MEASUREMENT... LIVE KLPX UPSTREAM RATIO [...]; RATIO ends in x.
function parse(line,    n, f, i, j) {
	n = split(line, f, " ")
	for (i = 4; i <= n; i++)
		if (f[i] ~ /^[0-9.]+x$/)
			break
	if (i > n)
		return 0
	key = f[1]
	for (j = 2; j <= i - 3; j++)
		key = key " " f[j]
	ratio = f[i]
	return 1
}
FNR == 1 { file++ }
parse($0) {
	if (!(key in seen)) { seen[key] = 1; order[++nkeys] = key }
	r[file, key] = ratio
}
END {
	printf("%-62s %10s %10s\n", "measurement (ratio = upstream / klpx)", a, b)
	for (i = 1; i <= nkeys; i++) {
		k = order[i]
		printf("%-62s %10s %10s\n", k, ((1, k) in r) ? r[1, k] : "-",
		       ((2, k) in r) ? r[2, k] : "-")
	}
}' "$2" "$4"
