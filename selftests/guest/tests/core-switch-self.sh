#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The asking task inside the promise: a patch enabled from inside a
# function it replaces.  The enable returns 0 with the switch pending; the
# original caller, going on after it, still reaches the original callee
# (never the new one); the step is taken by itself at the insmod's return
# to user mode, after which calls reach the new caller and callee.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_test_switch_self_target
PATCH=klpx_test_switch_self_patch
REACHED=/sys/module/$TARGET/parameters/reached

setup_test

# - the insmod of $PATCH calls klpx_enable_patch() from inside
#   klpx_test_self_caller(), which the patch replaces, as is the callee
#   the caller calls next
# - the enable returns 0 with the step left to the insmod's return to
#   user mode (logged); the caller reaches the original callee: 11
# - by the time insmod has returned, the patch is enabled, its transition
#   is over, and a new call runs new caller and new callee: 22
start_test "enabled from inside a replaced function: the switch waits for the asking task's return"

load_mod $TARGET
load_mod $PATCH
assert_eq "caller and callee reached during the enable" 11 "$(cat $REACHED)"
assert_log "^klpx: '$PATCH': [^ ]+ \(pid [0-9]+\) asks for the switch from inside klpx_test_self_caller: the switch waits for its return to user mode$"
log_since_start | grep -A100 "asks for the switch" | grep -q "^klpx: '$PATCH': enabled$" ||
	die "the pending switch was not taken at the insmod's return"
assert_eq "enabled" 1 "$(cat $KLPX_SYSFS/$PATCH/enabled)"
assert_eq "transition" 0 "$(cat $KLPX_SYSFS/$PATCH/transition)"
write_file 1 /sys/module/$TARGET/parameters/run || die "cannot call the caller"
assert_eq "caller and callee reached once enabled" 22 "$(cat $REACHED)"

write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
write_file 1 /sys/module/$TARGET/parameters/run || die "cannot call the caller"
assert_eq "caller and callee reached once disabled" 11 "$(cat $REACHED)"
unload_mod $PATCH
unload_mod $TARGET
echo "ok"
