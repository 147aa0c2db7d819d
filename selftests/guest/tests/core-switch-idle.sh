#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The idle tasks are on no task list, yet they stand in code too: a patch
# of cpu_startup_entry(), where every idle task stays for ever, can never
# switch.  The enable fails once, after switch_timeout, naming an idle task
# (swapper/N) and the function; nothing is left of the patch.

. "$(dirname "$0")/../functions.sh"

PATCH=klpx_test_switch_idle
TIMEOUT=/sys/module/klpx/parameters/switch_timeout

cleanup() {
	[ -n "$timeout" ] && echo "$timeout" >$TIMEOUT
	cleanup_modules
}

setup_test
grep -qx "cpu_startup_entry" /sys/kernel/tracing/available_filter_functions ||
	skip "ftrace cannot hook cpu_startup_entry here"

# - switch_timeout 3 s; a patch replaces cpu_startup_entry()
# - the pre-check (which walks the task lists) finds no one in the way;
#   the stop, which also walks the idle tasks, refuses every step
# - the enable fails with -EBUSY naming swapper/N; no sysfs directory
start_test "a function the idle tasks stand in: the enable fails"

timeout=$(cat $TIMEOUT)
write_file 3 $TIMEOUT || die "cannot set switch_timeout"
load_failing_mod $PATCH "Device or resource busy"
assert_log "'$PATCH': cannot switch: task swapper/[0-9]+ \(pid 0\) is inside cpu_startup_entry; gave up after 3 s"
[ -e $KLPX_SYSFS/$PATCH ] && die "$PATCH has a sysfs directory"
grep -q "^cpu_startup_entry " /sys/kernel/tracing/enabled_functions &&
	die "ftrace still hooks cpu_startup_entry"
exit 0
