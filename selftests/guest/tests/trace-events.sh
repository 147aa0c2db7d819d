#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The klpx tracepoints, as an operator watching events/klpx/ sees them:
# an enable, a disable, two garbage collections, and a switch that gives
# up on a task.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
PATCH=klpx_test_core_stack1
SHADOW=klpx_test_shadow
WAIT=klpx_test_core_wait
WAITERS=/sys/module/$TARGET/parameters/waiters
TIMEOUT=/sys/module/klpx/parameters/switch_timeout
TRACEFS=/sys/kernel/tracing
TRANSCRIPT='^(% |[|] |insmod: )'

cleanup() {
	[ -n "$timeout" ] && echo "$timeout" >$TIMEOUT
	[ -e /proc/klpx_target_wait ] && echo 1 >/proc/klpx_target_wait
	[ -e $TRACEFS/events/klpx/enable ] && echo 0 >$TRACEFS/events/klpx/enable
	[ -e $TRACEFS/trace ] && : >$TRACEFS/trace
	cleanup_modules
}

# show_trace() - the klpx events recorded so far into the transcript, from
# the event name on; durations that are not zero read N.  The lines as
# recorded go to the test's output.
show_trace() {
	log "% grep klpx_ $TRACEFS/trace"
	grep ' klpx_[a-z_]*: ' $TRACEFS/trace
	grep ' klpx_[a-z_]*: ' $TRACEFS/trace |
		sed -E 's/.* (klpx_[a-z_]*: )/\1/;
			s/(stopped_ns|ns)=[1-9][0-9]*/\1=N/g;
			s/(busy=[^/ ]+)\/[1-9][0-9]*/\1\/PID/' |
		while IFS= read -r l; do log "| $l"; done
}

setup_test
[ -d $TRACEFS/events ] || skip "no tracefs at $TRACEFS"
[ -d $TRACEFS/events/klpx ] || die "klpx.ko is loaded but $TRACEFS/events/klpx is missing"

# - every klpx event is on, the trace buffer empty
# - enabling stack1 registers its shadow type (refs=1), switches once
#   (one stop of the machine, no task in the way) and reports the enable
# - disabling it switches back, drops the last registration (refs=0),
#   garbage-collects the id (no variable) and reports the disable
# - a module with two live shadow variables unregisters its type at
#   unload: the collection destroys both
# - nothing is traced for the lookups (get) in between

start_test "klpx events for an enable, a disable and two collections"

write_file 1 $TRACEFS/events/klpx/enable || die "cannot enable the klpx events"
: >$TRACEFS/trace
load_mod $TARGET
load_mod $PATCH
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
load_mod $SHADOW
ctl $SHADOW alloc 1 10 >/dev/null
ctl $SHADOW alloc 2 20 >/dev/null
ctl $SHADOW get 1 >/dev/null
unload_mod $SHADOW
unload_mod $TARGET
write_file 0 $TRACEFS/events/klpx/enable
show_trace

check_result "% echo 1 > $TRACEFS/events/klpx/enable
% insmod $TARGET.ko
% insmod $PATCH.ko
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
% rmmod $PATCH
% insmod $SHADOW.ko
% echo alloc 1 10 > /sys/kernel/debug/$SHADOW/ctl
% echo alloc 2 20 > /sys/kernel/debug/$SHADOW/ctl
% echo get 1 > /sys/kernel/debug/$SHADOW/ctl
% rmmod $SHADOW
% rmmod $TARGET
% echo 0 > $TRACEFS/events/klpx/enable
% grep klpx_ $TRACEFS/trace
| klpx_shadow_register: id=0x6b700010 name=stack_state refs=1
| klpx_switch: patch=$PATCH tries=1 stopped_ns=N busy=-/0 ret=0
| klpx_patch_enable: patch=$PATCH replace=0 ret=0
| klpx_switch: patch=$PATCH tries=1 stopped_ns=N busy=-/0 ret=0
| klpx_shadow_unregister: id=0x6b700010 name=stack_state refs=0
| klpx_shadow_gc: id=0x6b700010 name=stack_state destroyed=0 ns=N
| klpx_patch_disable: patch=$PATCH check=1 ret=0
| klpx_shadow_register: id=0x6b6c7078 name=klpx_test_var refs=1
| klpx_shadow_unregister: id=0x6b6c7078 name=klpx_test_var refs=0
| klpx_shadow_gc: id=0x6b6c7078 name=klpx_test_var destroyed=2 ns=N"

# - a kthread sleeps in klpx_target_wait(), which the patch replaces;
#   switch_timeout is 1 s
# - the switch never stops the machine (tries=0: the pre-check finds the
#   kthread every time), names it as the task it waited for, and gives up
#   with -EBUSY; the enable reports the same, after the patch's shadow
#   type is registered and collected again

start_test "klpx_switch names the task that kept it from switching"

timeout=$(cat $TIMEOUT)
write_file 1 $TIMEOUT || die "cannot set switch_timeout"
load_mod $TARGET kthread=1
loop_until "[ \"\$(cat $WAITERS)\" = 1 ]" || die "the kthread does not sleep"
: >$TRACEFS/trace
write_file 1 $TRACEFS/events/klpx/enable || die "cannot enable the klpx events"
load_failing_mod $WAIT "Device or resource busy"
write_file 0 $TRACEFS/events/klpx/enable
write_file "$timeout" $TIMEOUT || die "cannot restore switch_timeout"
timeout=
echo 1 >/proc/klpx_target_wait
unload_mod $TARGET
show_trace

check_result "% echo 1 > $TIMEOUT
% insmod $TARGET.ko kthread=1
% echo 1 > $TRACEFS/events/klpx/enable
% insmod $WAIT.ko
insmod: can't insert '$WAIT.ko': Device or resource busy
% echo 0 > $TRACEFS/events/klpx/enable
% echo 60 > $TIMEOUT
% rmmod $TARGET
% grep klpx_ $TRACEFS/trace
| klpx_shadow_register: id=0x6b700030 name=wait_state refs=1
| klpx_switch: patch=$WAIT tries=0 stopped_ns=0 busy=klpx_target_kt/PID ret=-16
| klpx_shadow_unregister: id=0x6b700030 name=wait_state refs=0
| klpx_shadow_gc: id=0x6b700030 name=wait_state destroyed=0 ns=N
| klpx_patch_enable: patch=$WAIT replace=0 ret=-16"

exit 0
