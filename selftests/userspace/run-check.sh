#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-check.sh RESULT - run the built userspace tier and write
# "<passed> <failed> <skipped>" and a line saying what was counted to
# RESULT.
#
# The test driver runs under ASan+UBSan and again under TSan; the fuzzer
# runs for FUZZ_SECONDS next to them (it needs one core, the test runs
# use the other).  Every log is printed at the end, in that order.  A case
# counts once: passed if it passed under both sanitizers, failed if it
# failed (or did not run) under either; the fuzzer counts as one more.
# Environment: B (the build folder), FUZZ_SECONDS, SEED (optional).

set -u
result=$1
: "${B:?}" "${FUZZ_SECONDS:=60}" "${SEED:=}"
cd "$(dirname "$0")"

seed_arg=
[ -n "$SEED" ] && seed_arg="-s $SEED"
rm -f "$B/asan.result" "$B/tsan.result" "$B/fuzz.result" \
	"$B/asan.cases" "$B/tsan.cases"

# the fuzzer: keeps its growing corpus in the build folder, starts from the
# committed seeds
run_fuzz() {
	mkdir -p "$B/fuzz/corpus"
	if "$B/fuzz/shadow_fuzz" -max_total_time="$FUZZ_SECONDS" \
		-seed="${SEED:-0}" -print_final_stats=1 -timeout=30 \
		-artifact_prefix="$B/fuzz/" \
		"$B/fuzz/corpus" fuzz/corpus >"$B/fuzz.log" 2>&1; then
		echo "1 0 0" >"$B/fuzz.result"
	else
		echo "0 1 0" >"$B/fuzz.result"
	fi
}

run_fuzz &
fuzz_pid=$!

ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$B/asan/klpx_test" $seed_arg -r "$B/asan.result" -o "$B/asan.cases" \
	>"$B/asan.log" 2>&1
TSAN_OPTIONS=atexit_sleep_ms=0:second_deadlock_stack=1 \
	"$B/tsan/klpx_test" $seed_arg -r "$B/tsan.result" -o "$B/tsan.cases" \
	>"$B/tsan.log" 2>&1
wait $fuzz_pid

echo "--- ASan+UBSan build"
cat "$B/asan.log"
echo "--- TSan build"
cat "$B/tsan.log"
echo "--- fuzzer ($FUZZ_SECONDS s)"
grep -E "^(INFO: Seed|#[0-9]+ *DONE|Done|stat::|==|SUMMARY|shadow_fuzz:|artifact)" "$B/fuzz.log" |
	grep -v "stat::peak\|stat::slowest\|stat::new_units" || true
[ "$(cat "$B/fuzz.result" 2>/dev/null)" = "1 0 0" ] || tail -40 "$B/fuzz.log"

for part in asan tsan fuzz; do
	if read -r p f s <"$B/$part.result" 2>/dev/null; then
		echo "$part: $p passed, $f failed, $s skipped"
	else
		echo "$part: no result (crashed?)"
	fi
done

# one line per case: the case's outcome under both sanitizers
all=$(ASAN_OPTIONS=detect_leaks=0 "$B/asan/klpx_test" -l 2>/dev/null | wc -l)
set -- $(for part in asan tsan; do
		[ -r "$B/$part.result" ] && cat "$B/$part.cases" 2>/dev/null
	done | awk -v all="$all" '
	{ runs[$2]++; if ($1 == "fail") bad[$2] = 1; if ($1 == "ok") good[$2] = 1 }
	END {
		for (c in runs) {
			n++
			if (bad[c] || runs[c] < 2) f++
			else if (good[c]) p++
			else s++
		}
		# cases neither run reached (a crash of the whole driver)
		f += all - n
		printf "%d %d %d\n", p, f, s
	}')
passed=$1 failed=$2 skipped=$3
[ "$all" -gt 0 ] || failed=$((failed + 1))
if [ "$(cat "$B/fuzz.result" 2>/dev/null)" = "1 0 0" ]; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
detail="$all cases × 2 sanitizers (ASan+UBSan, TSan), each case counted once; 1 fuzzer run (${FUZZ_SECONDS} s)"
printf '%s %s %s\n%s\n' "$passed" "$failed" "$skipped" "$detail" >"$result"
echo "userspace: $passed passed, $failed failed, $skipped skipped: $detail"
[ "$failed" -eq 0 ]
