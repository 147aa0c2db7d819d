#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An experiment, not part of make check: the kernel's own text patching,
# without klpx, under threads pinned to every CPU.  Under QEMU's
# multi-threaded TCG (GUEST_ACCEL=tcg) it shows the emulator running code
# that memory no longer holds; under the tier's setting it passes.
#
#   GUEST_TESTS=text-poke-stale make check-guest-6.1

. "$(dirname "$0")/../functions.sh"

EXP=klpx_exp_text_poke
P=/sys/module/$EXP/parameters
SECONDS_EACH=${TEXT_POKE_SECONDS:-8}
STRESS=klpx_target_stress
KLP=klpx_test_core_stress_klp
KLP_DIR=/sys/kernel/livepatch/$KLP
SP=/sys/module/$STRESS/parameters

setup_test

# - one kernel thread per CPU, pinned, calls klpx_target_stress_call();
#   for $SECONDS_EACH seconds, the kernel's livepatch patches it and is
#   disabled again, round after round (each transition puts the ftrace
#   hook on two functions or takes it off); every round the threads must
#   go on calling, and never see a mixed answer
# - one thread per CPU, pinned, runs a patched site in a tight loop
# - from insmod's CPU, the site's code changes up to 2000 times through
#   static_branch_enable/disable, then up to 200 times through
#   register/unregister_ftrace_function, each mode for at most
#   $SECONDS_EACH seconds
# - after each change returns, every thread runs the site again and
#   must run the new code ("stale" counts those that did not) and must
#   do so within 2 s ("late"); the kernel log has no warning, oops or
#   lockup (the runner checks that)

start_test "code changes under pinned threads, without klpx"

# calls_move() - the calling threads make progress
calls_move() {
	local calls
	calls=$(cat $SP/calls)
	loop_until "[ \$(cat $SP/calls) -gt $((calls + 10)) ]"
}

if [ -d /sys/kernel/livepatch ]; then
	load_mod $STRESS threads=2 sleepers=0
	end=$(($(date +%s) + SECONDS_EACH))
	i=0
	while [ "$(date +%s)" -lt $end ]; do
		i=$((i + 1))
		err=$("$KLPX_INSMOD" "$(mod_path $KLP)" version=$i 2>&1) ||
			die "livepatch round $i: loading $KLP failed: $err"
		loop_until "[ \"\$(cat $KLP_DIR/transition)\" = 0 ]" ||
			die "livepatch round $i: the patch does not finish enabling"
		calls_move || die "livepatch round $i: calls stopped when patched"
		echo 0 >$KLP_DIR/enabled
		loop_until "[ ! -d $KLP_DIR ]" ||
			die "livepatch round $i: the patch does not finish disabling"
		rmmod $KLP || die "livepatch round $i: cannot remove $KLP"
		calls_move || die "livepatch round $i: calls stopped when unpatched"
	done
	echo "livepatch: $((4 * i)) changes (2 functions, $i rounds), $(cat $SP/mixed) mixed"
	assert_eq "livepatch: mixed answers" 0 "$(cat $SP/mixed)"
	unload_mod $STRESS
fi

for m in key:2000 ftrace:200; do
	mode=${m%%:*}
	load_mod $EXP mode=$mode toggles=${m#*:} seconds=$SECONDS_EACH
	echo "$mode: $(cat $P/done) changes, $(cat $P/stale) stale, $(cat $P/late) late"
	assert_eq "$mode: stale code after a change" 0 "$(cat $P/stale)"
	assert_eq "$mode: threads stuck after a change" 0 "$(cat $P/late)"
	unload_mod $EXP
done

exit 0
