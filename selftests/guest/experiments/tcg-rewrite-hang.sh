#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An experiment, not part of make check: under QEMU's multi-threaded TCG
# (GUEST_ACCEL=tcg) it hung the guest in three runs of three.  The same
# fault without klpx: text-poke-stale.sh (Documentation/kernels.rst, "The
# emulator").
#
# Taking a redirection on and off rewrites the first instruction of the
# functions (through an int3), while threads keep calling them: klpx and
# the kernel's own livepatch, in turns.

. "$(dirname "$0")/../functions.sh"

STRESS=klpx_target_stress
A=klpx_test_core_stress_a
KLP=klpx_test_core_stress_klp
KLP_DIR=/sys/kernel/livepatch/$KLP
P=/sys/module/$STRESS/parameters
ROUNDS=${CORE_REWRITE_ROUNDS:-10}

setup_test
[ -d /sys/kernel/livepatch ] || skip "this kernel has no livepatch"

# calls_move() - the calling threads make progress
calls_move() {
	local calls
	calls=$(cat $P/calls)
	loop_until "[ \$(cat $P/calls) -gt $((calls + 10)) ]"
}

# - two kernel threads call klpx_target_stress_call() in a loop
# - each round, with the threads running: the kernel's livepatch patches
#   both functions and is disabled again (its transition waits for the
#   threads), then klpx's patch is enabled and disabled; each of the four
#   steps adds or removes the ftrace hook, rewriting the functions' code
# - the threads keep calling through every step, never see a mixed
#   answer, and the kernel log has no warning (the runner checks that)

start_test "$ROUNDS rounds of code rewrites under calling threads"

load_mod $STRESS threads=2 sleepers=0
i=1
while [ $i -le $ROUNDS ]; do
	err=$("$KLPX_INSMOD" "$(mod_path $KLP)" version=$i 2>&1) ||
		die "round $i: loading $KLP failed: $err"
	loop_until "[ \"\$(cat $KLP_DIR/transition)\" = 0 ]" ||
		die "round $i: the kernel livepatch does not finish enabling"
	calls_move || die "round $i: calls stopped under the kernel's livepatch"
	echo 0 >$KLP_DIR/enabled
	loop_until "[ ! -d $KLP_DIR ]" ||
		die "round $i: the kernel livepatch does not finish disabling"
	rmmod $KLP || die "round $i: cannot remove $KLP"
	calls_move || die "round $i: calls stopped after the kernel's livepatch"

	err=$("$KLPX_INSMOD" "$(mod_path $A)" version=$i 2>&1) ||
		die "round $i: loading $A failed: $err"
	calls_move || die "round $i: calls stopped under klpx"
	echo 0 >$KLPX_SYSFS/$A/enabled || die "round $i: cannot disable $A"
	rmmod $A || die "round $i: cannot remove $A"
	calls_move || die "round $i: calls stopped after klpx"
	echo "round $i: calls $(cat $P/calls)"
	i=$((i + 1))
done
assert_eq "mixed answers" 0 "$(cat $P/mixed)"
unload_mod $STRESS

exit 0
