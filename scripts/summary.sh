#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# summary.sh TIER... - sum the per-tier results into make check's last line.
#
# Each tier writes out/results/<tier> holding one line "<passed> <failed>
# <skipped>".  A tier that left no result counts as one failure.
top=$(cd "$(dirname "$0")/.." && pwd)
p=0 f=0 s=0
for t in "$@"; do
	r="$top/out/results/$t"
	if [ -r "$r" ] && read -r tp tf ts <"$r" && [ -n "$tp" ]; then
		echo "tier $t: $tp passed, $tf failed, ${ts:-0} skipped"
	else
		echo "tier $t: no result (the tier did not complete)"
		tp=0 tf=1 ts=0
	fi
	p=$((p + tp)) f=$((f + tf)) s=$((s + ${ts:-0}))
done
if [ "$s" -gt 0 ]; then
	echo "$p passed, $f failed, $s skipped"
else
	echo "$p passed, $f failed"
fi
[ "$f" -eq 0 ]
