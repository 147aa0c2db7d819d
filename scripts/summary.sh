#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# summary.sh TIER... - sum the per-tier results into make check's last line.
# summary.sh --matrix KERNEL... - the guest tier of each kernel, as a table.
#
# Each tier writes out/results/<tier>: a first line "<passed> <failed>
# <skipped>", counting each case once, and optionally a second line that
# says what was counted (e.g. "80 cases × 2 sanitizers ..."), printed as
# is.  A tier fails, counting one failure, when it left no result, when
# it ran nothing, or when everything it ran was skipped: a green line
# must mean that something was tested.  The guest tier of kernel K is the
# tier guest-K, and leaves its wall time in out/results/guest-K.seconds.
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
	tp= tf= ts= detail=
	if [ -r "$r" ]; then
		{ read -r tp tf ts; read -r detail; } <"$r"
	fi
	ts=${ts:-0}
	case "$tp,$tf,$ts" in
	,*|*,,*|*[!0-9,]*)
		echo "tier $t: no result (the tier did not complete): 1 failure"
		tp=0 tf=1 ts=0
		;;
	*)
		line="tier $t: $tp passed, $tf failed, $ts skipped"
		[ -n "$detail" ] && line="$line ($detail)"
		echo "$line"
		if [ "$tp" -eq 0 ] && [ "$tf" -eq 0 ]; then
			if [ "$ts" -gt 0 ]; then
				echo "tier $t: every case was skipped: 1 failure"
			else
				echo "tier $t: ran nothing: 1 failure"
			fi
			tf=1
		fi
		;;
	esac
	p=$((p + tp)) f=$((f + tf)) s=$((s + ts))
done
if [ "$s" -gt 0 ]; then
	echo "$p passed, $f failed, $s skipped"
else
	echo "$p passed, $f failed"
fi
[ "$f" -eq 0 ]
