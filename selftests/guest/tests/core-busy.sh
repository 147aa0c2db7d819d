#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Tasks inside code a switch changes: a user task asleep interruptibly is
# moved out (after signal_after, 1 s here) and its read restarts in the
# new code, without an error; a
# kthread that never leaves makes the switch give up after the bound, with
# -EBUSY naming it and nothing changed; "transition" reads 1 meanwhile.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
PATCH=klpx_test_core_wait
WAITERS=/sys/module/$TARGET/parameters/waiters
TIMEOUT=/sys/module/klpx/parameters/switch_timeout
AFTER=/sys/module/klpx/parameters/signal_after
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

cleanup() {
	local f

	[ -n "$timeout" ] && echo "$timeout" >$TIMEOUT
	[ -n "$after" ] && echo "$after" >$AFTER
	for f in /proc/klpx_target_wait /sys/module/$PATCH/parameters/release; do
		[ -e $f ] && echo 1 >$f
	done
	[ -n "$sleeper" ] && wait "$sleeper" 2>/dev/null
	[ -n "$loader" ] && wait "$loader" 2>/dev/null
	cleanup_modules
}

check_result_pid() {
	local result

	result=$(log_since_start | grep -E "$TRANSCRIPT" |
		 grep -vE 'taints kernel|tainting kernel|module verification failed' |
		 grep -vE "${UNORDERED:-^$}" |
		 sed 's/(pid [0-9]*)/(pid PID)/')
	[ "$1" = "$result" ] && return 0
	echo "$1" >/tmp/expected.$$
	echo "$result" >/tmp/result.$$
	diff -u /tmp/expected.$$ /tmp/result.$$ | tail -n +3
	die "transcript differs"
}

setup_test
after=$(cat $AFTER)
echo 1 >$AFTER || die "cannot set signal_after"

# - a reader sleeps interruptibly in klpx_target_wait()
# - the enable of a patch replacing it succeeds: the reader is moved out,
#   its read restarts in the replacement, which does not wait, and the
#   reader gets its data and exit status 0, no error
start_test "a task asleep in the function is moved out, its read restarts"

load_mod $TARGET
cat /proc/klpx_target_wait >/tmp/core-busy.out &
sleeper=$!
loop_until "[ \"\$(cat $WAITERS)\" = 1 ]" || die "the reader does not sleep"
load_mod $PATCH
wait $sleeper
status=$?
sleeper=
assert_eq "the reader's exit status" 0 "$status"
assert_eq "what the reader got" released "$(cat /tmp/core-busy.out)"
# The restarted read may run before or after post_patch.
assert_log "$PATCH: klpx_target_wait replaced: not waiting"
show $WAITERS
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
unload_mod $TARGET

UNORDERED='replaced: not waiting'
check_result_pid "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch $TARGET
$PATCH: post_patch $TARGET
klpx: '$PATCH': enabled
% cat $WAITERS
| 0
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
$PATCH: pre_unpatch $TARGET
$PATCH: post_unpatch $TARGET
klpx: shadow type wait_state (id 0x6b700030) dropped: garbage-collecting 0 variable(s)
klpx: '$PATCH': disabled
% rmmod $PATCH
% rmmod $TARGET"

UNORDERED=

# - a reader sleeps interruptibly in the replacement
# - the disable succeeds: the reader is moved out and its read restarts
#   in the original, where it sleeps until released, then gets its data
start_test "a task asleep in the replacement is moved out by the disable"

load_mod $TARGET
load_mod $PATCH hold=1
cat /proc/klpx_target_wait >/tmp/core-busy.out &
sleeper=$!
loop_until "log_since_start | grep -q 'holding until released'" ||
	die "the reader does not enter the replacement"
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
loop_until "[ \"\$(cat $WAITERS)\" = 1 ]" ||
	die "the reader does not sleep in the original again"
log "% echo 1 > /proc/klpx_target_wait"
echo 1 >/proc/klpx_target_wait
wait $sleeper
status=$?
sleeper=
assert_eq "the reader's exit status" 0 "$status"
assert_eq "what the reader got" released "$(cat /tmp/core-busy.out)"
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
$PATCH: post_unpatch $TARGET
klpx: shadow type wait_state (id 0x6b700030) dropped: garbage-collecting 0 variable(s)
klpx: '$PATCH': disabled
% echo 1 > /proc/klpx_target_wait
% rmmod $PATCH
% rmmod $TARGET"

# - a kthread sleeps in klpx_target_wait(): no signal moves it
# - with switch_timeout at 3 s, the enable waits, "transition" reads 1
#   meanwhile, then fails with -EBUSY naming the kthread and the function
# - nothing is left: no sysfs directory, no shadow type, no ftrace hook
start_test "a kthread that never leaves: -EBUSY after the bound"

timeout=$(cat $TIMEOUT)
write_file 3 $TIMEOUT || die "cannot set switch_timeout"
load_mod $TARGET kthread=1
loop_until "[ \"\$(cat $WAITERS)\" = 1 ]" || die "the kthread does not sleep"
log "% insmod $PATCH.ko"
insmod_async $PATCH /tmp/core-busy.err
loop_until "[ \"\$(cat $KLPX_SYSFS/$PATCH/transition 2>/dev/null)\" = 1 ]" ||
	die "transition never read 1"
log "% cat $KLPX_SYSFS/$PATCH/transition"
log "| 1"
wait $loader && die "$PATCH loaded although the kthread never left"
loader=
log "$(cat /tmp/core-busy.err)"
[ -e $KLPX_SYSFS/$PATCH ] && die "$PATCH has a sysfs directory"
grep -q wait_state $KLPX_DEBUGFS/shadow_types &&
	die "wait_state is still registered"
grep -q "^klpx_target_wait " /sys/kernel/tracing/enabled_functions &&
	die "ftrace still hooks klpx_target_wait"
write_file "$timeout" $TIMEOUT || die "cannot restore switch_timeout"
timeout=
log "% echo 1 > /proc/klpx_target_wait"
echo 1 >/proc/klpx_target_wait
unload_mod $TARGET

check_result_pid "% echo 3 > $TIMEOUT
% insmod $TARGET.ko kthread=1
$TARGET: init: greeting: hello from the original
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch $TARGET
% cat $KLPX_SYSFS/$PATCH/transition
| 1
klpx: '$PATCH': cannot switch: task klpx_target_kt (pid PID) is inside klpx_target_wait; gave up after 3 s
$PATCH: post_unpatch $TARGET
insmod: can't insert '$PATCH.ko': Device or resource busy
% echo 60 > $TIMEOUT
% echo 1 > /proc/klpx_target_wait
% rmmod $TARGET"
