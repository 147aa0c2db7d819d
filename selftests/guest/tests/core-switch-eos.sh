#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A trace that ends at an "end of stack" hint short of the task's real
# end (as in 6.1's retpoline and ITS thunks and in return_to_handler) is
# not reliable: a kthread asleep in a patched function, under an assembly
# frame with such a hint, keeps the switch from happening.  The enable
# fails once, after switch_timeout, saying the task's stack cannot be
# walked reliably; nothing is left of the patch.

. "$(dirname "$0")/../functions.sh"

EOS=klpx_test_switch_eos
PATCH=klpx_test_switch_eos_patch
TIMEOUT=/sys/module/klpx/parameters/switch_timeout

cleanup() {
	[ -n "$timeout" ] && echo "$timeout" >$TIMEOUT
	[ -e /sys/module/$EOS/parameters/stop ] &&
		echo 1 >/sys/module/$EOS/parameters/stop
	cleanup_modules
}

# eos_asleep - true when the kthread sleeps in klpx_eos_wait()
eos_asleep() {
	local c

	for c in /proc/[0-9]*/comm; do
		[ "$(cat "$c" 2>/dev/null)" = klpx_eos ] || continue
		[ "$(cat "${c%comm}wchan" 2>/dev/null)" = klpx_eos_wait ]
		return
	done
	return 1
}

setup_test

# - switch_timeout 3 s; the kthread klpx_eos sleeps in klpx_eos_wait(),
#   called from an assembly frame whose unwind data says "end of stack"
# - the unwinder ends its walk there with success; klpx does not take
#   that trace, which misses ret_from_fork, as reliable
# - the enable of a patch of klpx_eos_wait() fails with EBUSY, naming
#   the task and its unwalkable stack; the patch leaves no trace
start_test "a trace that ends at an end-of-stack hint is not reliable"

timeout=$(cat $TIMEOUT)
write_file 3 $TIMEOUT || die "cannot set switch_timeout"
load_mod $EOS
loop_until eos_asleep || die "klpx_eos does not sleep in klpx_eos_wait"
load_failing_mod $PATCH "Device or resource busy"
assert_log "^klpx: '$PATCH': cannot switch: the stack of task klpx_eos \(pid [0-9]+\) cannot be walked reliably \(-22\); gave up after 3 s$"
[ -e $KLPX_SYSFS/$PATCH ] && die "$PATCH has a sysfs directory"
grep -q "^klpx_eos_wait " /sys/kernel/tracing/enabled_functions &&
	die "ftrace still hooks klpx_eos_wait"
write_file 1 /sys/module/$EOS/parameters/stop || die "cannot stop klpx_eos"
unload_mod $EOS
echo "ok"
