#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# summary.sh TIER... - sum the per-tier results into make check's last line.
# summary.sh --matrix KERNEL... - the guest tier of each kernel, as a table.
#
# Each tier writes out/results/<tier> holding one line "<passed> <failed>
# <skipped>"; the guest tier of kernel K is the tier guest-K, and leaves its
# wall time in out/results/guest-K.seconds.  A tier that left no result
# counts as one failure.
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$1" = --matrix ]; then
	shift
	bad=0
	printf '%-10s %7s %7s %8s\n' kernel passed failed seconds
	for k in "$@"; do
		r="$top/out/results/guest-$k"
		secs=$(cat "$r.seconds" 2>/dev/null || echo -)
		if [ -r "$r" ] && read -r tp tf ts <"$r" && [ -n "$tp" ]; then
			:
		else
			tp=0 tf="1 (no result)"
		fi
		printf '%-10s %7s %7s %8s\n' "$k" "$tp" "$tf" "$secs"
		[ "$tf" = 0 ] || bad=1
	done
	exit $bad
fi
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
