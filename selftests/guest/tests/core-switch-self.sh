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
EVENT=/sys/kernel/tracing/events/klpx/klpx_patch_enable

cleanup() {
	[ -e /sys/module/$TARGET/parameters/hold ] &&
		echo 0 >/sys/module/$TARGET/parameters/hold
	[ -e $EVENT/enable ] && echo 0 >$EVENT/enable
	cleanup_modules
}

setup_test

# - the insmod of $PATCH calls klpx_enable_patch() from inside
#   klpx_test_self_caller(), which the patch replaces, as is the callee
#   the caller calls next
# - the enable returns 0 with the step left to the insmod's return to
#   user mode (logged); the caller reaches the original callee: 11
# - by the time insmod has returned, the patch is enabled, its transition
#   is over, and a new call runs new caller and new callee: 22
start_test "enabled from inside a replaced function: the switch waits for the asking task's return"

# - the enable's tracepoint records the step's outcome once, when it is
#   taken: never the -EINPROGRESS of the enable that left it pending
[ -e $EVENT/enable ] && { echo 1 >$EVENT/enable; : >/sys/kernel/tracing/trace; }
load_mod $TARGET
write_file 1 /sys/module/$TARGET/parameters/hold || die "cannot hold the insmod"
log "% insmod $PATCH.ko &"
"$KLPX_INSMOD" "$(mod_path $PATCH)" &
INSMOD=$!
# - while the insmod is held in the kernel after its enable returned (the
#   step pending): the patch's transition file reads 1, and klpx's debugfs
#   transition file lists the insmod, the function it stood in and that
#   its step waits for its return
MAX_RETRIES=200 loop_until "grep -q 'pid=$INSMOD .*step=deferred' $KLPX_DEBUGFS/transition" ||
	die "the debugfs transition file does not list the pending step: '$(cat $KLPX_DEBUGFS/transition)'"
grep -Eq "^pid=$INSMOD comm=[^ ]+ state=. func=klpx_test_self_caller action=waiting patch=$PATCH step=deferred$" $KLPX_DEBUGFS/transition ||
	die "the pending step's line: '$(cat $KLPX_DEBUGFS/transition)'"
assert_eq "transition while pending" 1 "$(cat $KLPX_SYSFS/$PATCH/transition)"
assert_eq "enabled while pending" 0 "$(cat $KLPX_SYSFS/$PATCH/enabled)"
write_file 0 /sys/module/$TARGET/parameters/hold || die "cannot release the insmod"
wait $INSMOD || die "insmod $PATCH failed"
LOADED_MODS="$PATCH $LOADED_MODS"
[ -n "$(cat $KLPX_DEBUGFS/transition)" ] && die "the transition file lists tasks after the step: '$(cat $KLPX_DEBUGFS/transition)'"
assert_eq "caller and callee reached during the enable" 11 "$(cat $REACHED)"
assert_log "^klpx: '$PATCH': [^ ]+ \(pid [0-9]+\) asks for the switch from inside klpx_test_self_caller: the switch waits for its return to user mode$"
log_since_start | grep -A100 "asks for the switch" | grep -q "^klpx: '$PATCH': enabled$" ||
	die "the pending switch was not taken at the insmod's return"
assert_eq "enabled" 1 "$(cat $KLPX_SYSFS/$PATCH/enabled)"
assert_eq "transition" 0 "$(cat $KLPX_SYSFS/$PATCH/transition)"
write_file 1 /sys/module/$TARGET/parameters/run || die "cannot call the caller"
assert_eq "caller and callee reached once enabled" 22 "$(cat $REACHED)"
if [ -e $EVENT/enable ]; then
	echo 0 >$EVENT/enable
	assert_eq "enable events" "patch=$PATCH replace=0 ret=0" \
		"$(grep -o "klpx_patch_enable: patch=$PATCH .*" /sys/kernel/tracing/trace | sed 's/^klpx_patch_enable: //')"
fi

write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
write_file 1 /sys/module/$TARGET/parameters/run || die "cannot call the caller"
assert_eq "caller and callee reached once disabled" 11 "$(cat $REACHED)"
unload_mod $PATCH
unload_mod $TARGET
echo "ok"

# - the same insmod, whose init then enables a second patch of its module
#   while the first one's step is pending: the pending patch is the
#   module's one patch, so the second is refused with -EINVAL (the line
#   of a module with an enabled patch) and nothing of it is created
# - the first one's step is taken at the insmod's return as before
start_test "a patch whose enable is pending is its module's one patch: a second enable is refused"

load_mod $TARGET
load_mod $PATCH second=1
assert_log "^klpx: '$PATCH': the module already has an enabled patch; a module enables one patch at a time$"
assert_log "^$PATCH: second patch: -22$"
log_since_start | grep -A100 "second patch: -22" | grep -q "^klpx: '$PATCH': enabled$" ||
	die "the pending switch was not taken at the insmod's return"
assert_eq "enabled" 1 "$(cat $KLPX_SYSFS/$PATCH/enabled)"
write_file 1 /sys/module/$TARGET/parameters/run || die "cannot call the caller"
assert_eq "caller and callee reached once enabled" 22 "$(cat $REACHED)"
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
unload_mod $TARGET
echo "ok"
