#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A task sleeping inside a function being patched makes the enable fail
# with -EBUSY after the bounded retries, naming the task and the function;
# once the task has left, the same patch enables.  The same holds for a
# disable while a task sleeps in the replacement.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
PATCH=klpx_test_core_wait
WAITERS=/sys/module/$TARGET/parameters/waiters
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

cleanup() {
	local f

	for f in /proc/klpx_target_wait /sys/module/$PATCH/parameters/release; do
		[ -e $f ] && echo 1 >$f
	done
	[ -n "$sleeper" ] && wait "$sleeper" 2>/dev/null
	cleanup_modules
}

# check_result_pid(expected) - check_result, with the pids in klpx's
# refusals (which vary from run to run) written as PID
check_result_pid() {
	local result

	result=$(log_since_start | grep -E "$TRANSCRIPT" |
		 grep -vE 'taints kernel|tainting kernel|module verification failed' |
		 sed 's/(pid [0-9]*)/(pid PID)/')
	[ "$1" = "$result" ] && return 0
	echo "$1" >/tmp/expected.$$
	echo "$result" >/tmp/result.$$
	diff -u /tmp/expected.$$ /tmp/result.$$ | tail -n +3
	die "transcript differs"
}

setup_test

# - a cat sleeps inside klpx_target_wait()
# - enabling a patch of klpx_target_wait fails with EBUSY; the log names
#   cat and klpx_target_wait; pre_patch ran, so post_unpatch runs; the
#   patch's shadow type, sysfs directory and ftrace hook are gone; the cat
#   still sleeps
# - once the cat is released and gone, the same patch enables, and a new
#   reader of /proc/klpx_target_wait no longer sleeps

start_test "enable refused while a task sleeps in the function"

load_mod $TARGET
cat /proc/klpx_target_wait >/tmp/core-busy.out &
sleeper=$!
loop_until "[ \"\$(cat $WAITERS)\" = 1 ]" || die "the reader does not sleep"
load_failing_mod $PATCH "Device or resource busy"
[ -e $KLPX_SYSFS/$PATCH ] && die "$PATCH has a sysfs directory"
grep -q wait_state $KLPX_DEBUGFS/shadow_types &&
	die "wait_state is still registered"
grep -q "^klpx_target_wait " /sys/kernel/tracing/enabled_functions &&
	die "ftrace still hooks klpx_target_wait"
show $WAITERS
log "% echo 1 > /proc/klpx_target_wait"
echo 1 >/proc/klpx_target_wait
wait $sleeper
sleeper=
assert_eq "what the reader got" released "$(cat /tmp/core-busy.out)"
load_mod $PATCH
show /proc/klpx_target_wait
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
unload_mod $TARGET

check_result_pid "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch $TARGET
klpx: '$PATCH': cannot switch: task cat (pid PID) is inside klpx_target_wait; gave up after 20 tries
$PATCH: post_unpatch $TARGET
insmod: can't insert '$PATCH.ko': Device or resource busy
% cat $WAITERS
| 1
% echo 1 > /proc/klpx_target_wait
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch $TARGET
$PATCH: post_patch $TARGET
klpx: '$PATCH': enabled
% cat /proc/klpx_target_wait
$PATCH: klpx_target_wait replaced: not waiting
| released
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
$PATCH: pre_unpatch $TARGET
$PATCH: post_unpatch $TARGET
klpx: shadow type wait_state (id 1802502192) dropped: garbage-collecting 0 variable(s)
klpx: '$PATCH': disabled
% rmmod $PATCH
% rmmod $TARGET"

# - with hold=1 the replacement itself sleeps; a cat sleeps in it
# - disabling the patch fails with EBUSY naming cat and the replacement;
#   pre_unpatch ran, so post_patch runs again; the patch stays enabled and
#   keeps its shadow type
# - once the cat is released, the disable goes through

start_test "disable refused while a task sleeps in the replacement"

load_mod $TARGET
load_mod $PATCH hold=1
cat /proc/klpx_target_wait >/tmp/core-busy.out &
sleeper=$!
loop_until "log_since_start | grep -q 'holding until released'" ||
	die "the reader does not enter the replacement"
write_failing_file 0 $KLPX_SYSFS/$PATCH/enabled "Device or resource busy"
show $KLPX_SYSFS/$PATCH/enabled
grep -q "name=wait_state .* refs=1 " $KLPX_DEBUGFS/shadow_types ||
	die "wait_state lost its registration"
write_file 1 /sys/module/$PATCH/parameters/release
wait $sleeper
sleeper=
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
unload_mod $TARGET

check_result_pid "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $PATCH.ko hold=1
klpx: enabling patch '$PATCH'
$PATCH: pre_patch $TARGET
$PATCH: post_patch $TARGET
klpx: '$PATCH': enabled
$PATCH: klpx_target_wait replaced: holding until released
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
$PATCH: pre_unpatch $TARGET
klpx: '$PATCH': cannot switch: task cat (pid PID) is inside wait_replacement [$PATCH]; gave up after 20 tries
$PATCH: post_patch $TARGET
sh: write error: Device or resource busy
% cat $KLPX_SYSFS/$PATCH/enabled
| 1
% echo 1 > /sys/module/$PATCH/parameters/release
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
$PATCH: pre_unpatch $TARGET
$PATCH: post_unpatch $TARGET
klpx: shadow type wait_state (id 1802502192) dropped: garbage-collecting 0 variable(s)
klpx: '$PATCH': disabled
% rmmod $PATCH
% rmmod $TARGET"

exit 0
