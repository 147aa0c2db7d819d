#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A patch module that goes away while its patch is enabled (its init fails
# after enabling it, or it is removed by force) leaves nothing behind; a
# module enables one patch at a time, and shows as [permanent] while it is
# enabled.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
P1=klpx_test_core_stack1
ORPHAN=klpx_test_core_orphan
insmod_pid=
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# show_types() - the debugfs lines of the shadow types of these patches
show_types() {
	log "% grep -E 'stack_state|orphan_state' $KLPX_DEBUGFS/shadow_types"
	grep -E "name=(stack_state|orphan_state) " $KLPX_DEBUGFS/shadow_types |
		while IFS= read -r l; do log "| $l"; done
}

# show_module(name) - name, references and state of a module in /proc/modules
show_module() {
	log "% grep $1 /proc/modules"
	grep "^$1 " /proc/modules | cut -d' ' -f1,3,4 |
		while IFS= read -r l; do log "| $l"; done
}

# hooks() - the klpx_target functions ftrace hooks, one line
hooks() {
	grep -oE '^klpx_target_[a-z_]* ' /sys/kernel/tracing/enabled_functions |
		tr -d ' ' | tr '\n' ' ' | sed 's/ $//'
}

# start_holding(params...) - insmod the orphan module with hold=1 and the
# params in the background ($insmod_pid), until its init holds
start_holding() {
	local before

	before=$(dmesg | grep -c "$ORPHAN: init: holding")
	log "% insmod $ORPHAN.ko $* hold=1 &"
	(cd "$KLPX_MODDIR" && exec $KLPX_INSMOD $ORPHAN.ko "$@" hold=1) &
	insmod_pid=$!
	loop_until "[ \$(dmesg | grep -c '$ORPHAN: init: holding') -gt $before ]" ||
		die "the init of $ORPHAN does not hold"
}

# let_go() - let the held init return 0, and wait for its insmod
let_go() {
	write_file 0 /sys/module/$ORPHAN/parameters/hold ||
		die "cannot let the init of $ORPHAN go"
	wait $insmod_pid || die "insmod $ORPHAN failed"
	insmod_pid=
	LOADED_MODS="$ORPHAN $LOADED_MODS"
}

# cleanup() - a test that died while an init holds lets it go first, so
# that its module can be disabled and removed like the others
cleanup() {
	if [ -n "$insmod_pid" ]; then
		echo 0 >/sys/module/$ORPHAN/parameters/hold 2>/dev/null
		wait $insmod_pid 2>/dev/null
		LOADED_MODS="$ORPHAN $LOADED_MODS"
	fi
	cleanup_modules
}

setup_test

# - stack1 is enabled: version 1
# - the orphan module's init enables its patch (version 77, orphan_state
#   with one variable), then fails: the kernel frees the module anyway
# - klpx WARNs (an init must not fail after enabling its patch) and
#   disables the patch before the module is freed: orphan_state is
#   garbage-collected with its own dtor
# - afterwards stack1 runs again, only its sysfs directory, type and
#   ftrace hook are left
# - the same module loads and patches normally afterwards

start_test "an init that fails after enabling its patch"

load_mod $TARGET
load_mod $P1
show /proc/klpx_target
expect_warning_begin "an init that fails after enabling its patch"
load_failing_mod $ORPHAN "Operation not permitted" init_ret=-1
expect_warning_end "WARNING: .*klpx_patch_teardown_orphan"
is_loaded $ORPHAN && die "$ORPHAN is still loaded"
show /proc/klpx_target
show_ls $KLPX_SYSFS
show_types
assert_eq "ftrace hooks" "klpx_target_version" "$(hooks)"
load_mod $ORPHAN
show /proc/klpx_target
show_types
write_file 0 $KLPX_SYSFS/$ORPHAN/enabled || die "cannot disable $ORPHAN"
unload_mod $ORPHAN
show /proc/klpx_target
write_file 0 $KLPX_SYSFS/$P1/enabled || die "cannot disable $P1"
unload_mod $P1
assert_eq "ftrace hooks" "" "$(hooks)"
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $P1.ko
klpx: enabling patch '$P1'
klpx: '$P1': enabled
% cat /proc/klpx_target
| greeting: hello from the original
| version: 1
| items: 1 2 3 4
| counter: -1
% insmod $ORPHAN.ko init_ret=-1
klpx: enabling patch '$ORPHAN'
klpx: '$ORPHAN': enabled
$ORPHAN: init: failing with -1
klpx: '$ORPHAN': init failed after enabling its patch; disabling it
klpx: disabling patch '$ORPHAN'
klpx: shadow type orphan_state (id 0x6b700040) dropped: garbage-collecting 1 variable(s)
$ORPHAN: orphan_state dtor
klpx: '$ORPHAN': disabled
insmod: can't insert '$ORPHAN.ko': Operation not permitted
% cat /proc/klpx_target
| greeting: hello from the original
| version: 1
| items: 1 2 3 4
| counter: -1
% ls $KLPX_SYSFS
| $P1
% grep -E 'stack_state|orphan_state' $KLPX_DEBUGFS/shadow_types
| id=0x6b700010 name=stack_state size=8 refs=1 live=0
% insmod $ORPHAN.ko
klpx: enabling patch '$ORPHAN'
klpx: '$ORPHAN': enabled
% cat /proc/klpx_target
| greeting: hello from the original
| version: 77
| items: 1 2 3 4
| counter: -1
% grep -E 'stack_state|orphan_state' $KLPX_DEBUGFS/shadow_types
| id=0x6b700010 name=stack_state size=8 refs=1 live=0
| id=0x6b700040 name=orphan_state size=0 refs=1 live=1
% echo 0 > $KLPX_SYSFS/$ORPHAN/enabled
klpx: disabling patch '$ORPHAN'
klpx: shadow type orphan_state (id 0x6b700040) dropped: garbage-collecting 1 variable(s)
$ORPHAN: orphan_state dtor
klpx: '$ORPHAN': disabled
% rmmod $ORPHAN
$ORPHAN: exit
% cat /proc/klpx_target
| greeting: hello from the original
| version: 1
| items: 1 2 3 4
| counter: -1
% echo 0 > $KLPX_SYSFS/$P1/enabled
klpx: disabling patch '$P1'
klpx: shadow type stack_state (id 0x6b700010) dropped: garbage-collecting 0 variable(s)
klpx: '$P1': disabled
% rmmod $P1
% rmmod $TARGET"

# - stack1 and stack2 are enabled: version 2, stack2's greeting
# - the orphan module's init enables an atomic replace (version 77) that
#   carries stack_state and attaches a variable of it, then fails
# - klpx disables the replace and, in the same step, brings stack1 and
#   stack2 back as they were: version 2 and stack2's greeting again, both
#   enabled, stack_state kept with its variable (two registrations), only
#   the replace's own orphan_state garbage-collected

P2=klpx_test_core_stack2
start_test "a replace whose init fails brings the replaced patches back"

load_mod $TARGET
load_mod $P1
load_mod $P2
show /proc/klpx_target
expect_warning_begin "a replace whose init fails"
load_failing_mod $ORPHAN "Operation not permitted" replace=1 init_ret=-1
expect_warning_end "WARNING: .*klpx_patch_teardown_orphan"
is_loaded $ORPHAN && die "$ORPHAN is still loaded"
show /proc/klpx_target
show $KLPX_SYSFS/$P1/enabled
show $KLPX_SYSFS/$P2/enabled
show_types
assert_eq "ftrace hooks" "klpx_target_greeting klpx_target_version" "$(hooks)"
write_file 0 $KLPX_SYSFS/$P2/enabled || die "cannot disable $P2"
unload_mod $P2
show /proc/klpx_target
write_file 0 $KLPX_SYSFS/$P1/enabled || die "cannot disable $P1"
unload_mod $P1
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $P1.ko
klpx: enabling patch '$P1'
klpx: '$P1': enabled
% insmod $P2.ko
klpx: enabling patch '$P2'
klpx: '$P2': enabled
% cat /proc/klpx_target
| greeting: hello from $P2
| version: 2
| items: 1 2 3 4
| counter: -1
% insmod $ORPHAN.ko replace=1 init_ret=-1
klpx: enabling patch '$ORPHAN'
klpx: '$P1': replaced by '$ORPHAN'
klpx: '$P2': replaced by '$ORPHAN'
klpx: '$ORPHAN': enabled
$ORPHAN: init: failing with -1
klpx: '$ORPHAN': init failed after enabling its patch; disabling it
klpx: disabling patch '$ORPHAN'
klpx: '$P1': enabled again
klpx: '$P2': enabled again
klpx: shadow type orphan_state (id 0x6b700040) dropped: garbage-collecting 1 variable(s)
$ORPHAN: orphan_state dtor
klpx: '$ORPHAN': disabled
insmod: can't insert '$ORPHAN.ko': Operation not permitted
% cat /proc/klpx_target
| greeting: hello from $P2
| version: 2
| items: 1 2 3 4
| counter: -1
% cat $KLPX_SYSFS/$P1/enabled
| 1
% cat $KLPX_SYSFS/$P2/enabled
| 1
% grep -E 'stack_state|orphan_state' $KLPX_DEBUGFS/shadow_types
| id=0x6b700010 name=stack_state size=8 refs=2 live=1
% echo 0 > $KLPX_SYSFS/$P2/enabled
klpx: disabling patch '$P2'
klpx: '$P2': disabled
% rmmod $P2
% cat /proc/klpx_target
| greeting: hello from the original
| version: 1
| items: 1 2 3 4
| counter: -1
% echo 0 > $KLPX_SYSFS/$P1/enabled
klpx: disabling patch '$P1'
klpx: shadow type stack_state (id 0x6b700010) dropped: garbage-collecting 1 variable(s)
klpx: '$P1': disabled
% rmmod $P1
% rmmod $TARGET"

# - stack1 is enabled; the orphan module's init enables a replace and
#   holds, so the replace is pending
# - meanwhile "echo 0" to stack1's enabled settles the replace, which
#   releases stack1: the write fails with EINVAL (stack1 is no longer
#   enabled) and returns, though it removes the very directory of the
#   file written; stack1's module is unpinned
# - let go, the init returns 0 and the replace stays enabled

start_test "a disable that a pending replace overtakes returns"

load_mod $TARGET
load_mod $P1
start_holding replace=1
write_failing_file 0 $KLPX_SYSFS/$P1/enabled "Invalid argument"
[ -d $KLPX_SYSFS/$P1 ] && die "$P1 is still in $KLPX_SYSFS"
let_go
show $KLPX_SYSFS/$ORPHAN/enabled
unload_mod $P1
write_file 0 $KLPX_SYSFS/$ORPHAN/enabled || die "cannot disable $ORPHAN"
unload_mod $ORPHAN
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $P1.ko
klpx: enabling patch '$P1'
klpx: '$P1': enabled
% insmod $ORPHAN.ko replace=1 hold=1 &
klpx: enabling patch '$ORPHAN'
klpx: '$P1': replaced by '$ORPHAN'
klpx: '$ORPHAN': enabled
$ORPHAN: init: holding
% echo 0 > $KLPX_SYSFS/$P1/enabled
sh: write error: Invalid argument
% echo 0 > /sys/module/$ORPHAN/parameters/hold
$ORPHAN: init: let go
% cat $KLPX_SYSFS/$ORPHAN/enabled
| 1
% rmmod $P1
% echo 0 > $KLPX_SYSFS/$ORPHAN/enabled
klpx: disabling patch '$ORPHAN'
klpx: shadow type orphan_state (id 0x6b700040) dropped: garbage-collecting 1 variable(s)
klpx: shadow type stack_state (id 0x6b700010) dropped: garbage-collecting 1 variable(s)
$ORPHAN: orphan_state dtor
klpx: '$ORPHAN': disabled
% rmmod $ORPHAN
$ORPHAN: exit
% rmmod $TARGET"

# - a second klpx_enable_patch() from a module whose patch is enabled
#   fails with -EINVAL; the first patch stays enabled
# - while its patch is enabled the module is listed as [permanent] and
#   rmmod fails with EBUSY
# - once disabled it is an ordinary module again: its exit runs at rmmod

start_test "one enabled patch per module, [permanent] while enabled"

load_mod $TARGET
load_mod $ORPHAN second=1
show $KLPX_SYSFS/$ORPHAN/enabled
show_module $ORPHAN
unload_failing_mod $ORPHAN "Device or resource busy"
write_file 0 $KLPX_SYSFS/$ORPHAN/enabled || die "cannot disable $ORPHAN"
show_module $ORPHAN
unload_mod $ORPHAN
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $ORPHAN.ko second=1
klpx: enabling patch '$ORPHAN'
klpx: '$ORPHAN': enabled
klpx: '$ORPHAN': the module already has an enabled patch; a module enables one patch at a time
$ORPHAN: second patch: -22
% cat $KLPX_SYSFS/$ORPHAN/enabled
| 1
% grep $ORPHAN /proc/modules
| $ORPHAN 1 [permanent],
% rmmod $ORPHAN
rmmod: can't unload module '$ORPHAN': Device or resource busy
% echo 0 > $KLPX_SYSFS/$ORPHAN/enabled
klpx: disabling patch '$ORPHAN'
klpx: shadow type orphan_state (id 0x6b700040) dropped: garbage-collecting 1 variable(s)
$ORPHAN: orphan_state dtor
klpx: '$ORPHAN': disabled
% grep $ORPHAN /proc/modules
| $ORPHAN 0 -
% rmmod $ORPHAN
$ORPHAN: exit
% rmmod $TARGET"

# - kmod's rmmod reads the module's reference count first and refuses an
#   enabled patch's module as "in use", without asking the kernel;
#   busybox's asks the kernel, which answers EBUSY (the exit is held back)
# - once the patch is disabled both remove it

start_test "kmod's and busybox's rmmod refuse an enabled patch module"

load_mod $TARGET
load_mod $ORPHAN
log "% /kmod/rmmod $ORPHAN"
err=$(/kmod/rmmod $ORPHAN 2>&1) && die "kmod's rmmod removed $ORPHAN"
log "$err"
is_loaded $ORPHAN || die "$ORPHAN is gone"
unload_failing_mod $ORPHAN "Device or resource busy"
write_file 0 $KLPX_SYSFS/$ORPHAN/enabled || die "cannot disable $ORPHAN"
log "% /kmod/rmmod $ORPHAN"
err=$(/kmod/rmmod $ORPHAN 2>&1) || die "kmod's rmmod failed: $err"
is_loaded $ORPHAN && die "$ORPHAN is still loaded"
load_mod $ORPHAN
write_file 0 $KLPX_SYSFS/$ORPHAN/enabled || die "cannot disable $ORPHAN"
unload_mod $ORPHAN
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $ORPHAN.ko
klpx: enabling patch '$ORPHAN'
klpx: '$ORPHAN': enabled
% /kmod/rmmod $ORPHAN
rmmod: ERROR: Module $ORPHAN is in use
% rmmod $ORPHAN
rmmod: can't unload module '$ORPHAN': Device or resource busy
% echo 0 > $KLPX_SYSFS/$ORPHAN/enabled
klpx: disabling patch '$ORPHAN'
klpx: shadow type orphan_state (id 0x6b700040) dropped: garbage-collecting 1 variable(s)
$ORPHAN: orphan_state dtor
klpx: '$ORPHAN': disabled
% /kmod/rmmod $ORPHAN
$ORPHAN: exit
% insmod $ORPHAN.ko
klpx: enabling patch '$ORPHAN'
klpx: '$ORPHAN': enabled
% echo 0 > $KLPX_SYSFS/$ORPHAN/enabled
klpx: disabling patch '$ORPHAN'
klpx: shadow type orphan_state (id 0x6b700040) dropped: garbage-collecting 1 variable(s)
$ORPHAN: orphan_state dtor
klpx: '$ORPHAN': disabled
% rmmod $ORPHAN
$ORPHAN: exit
% rmmod $TARGET"

# - rmmod -f of a module whose patch is enabled: the kernel removes it
#   whatever it holds, without running the exit klpx holds back
# - klpx disables the patch first (orphan_state collected with its dtor),
#   then runs the module's exit
# - the original runs again; no sysfs directory, type or ftrace hook is
#   left

start_test "a patch module removed by force"

load_mod $TARGET
load_mod $ORPHAN
show /proc/klpx_target
log "% rmmod -f $ORPHAN"
err=$(rmmod -f $ORPHAN 2>&1) || die "rmmod -f $ORPHAN failed: $err"
loop_until "! is_loaded $ORPHAN" || die "$ORPHAN does not go away"
show /proc/klpx_target
show_ls $KLPX_SYSFS
show_types
assert_eq "ftrace hooks" "" "$(hooks)"
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $ORPHAN.ko
klpx: enabling patch '$ORPHAN'
klpx: '$ORPHAN': enabled
% cat /proc/klpx_target
| greeting: hello from the original
| version: 77
| items: 1 2 3 4
| counter: -1
% rmmod -f $ORPHAN
klpx: '$ORPHAN': module removed by force while its patch is enabled; disabling it
klpx: disabling patch '$ORPHAN'
klpx: shadow type orphan_state (id 0x6b700040) dropped: garbage-collecting 1 variable(s)
$ORPHAN: orphan_state dtor
klpx: '$ORPHAN': disabled
$ORPHAN: exit
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1 2 3 4
| counter: -1
% ls $KLPX_SYSFS
% grep -E 'stack_state|orphan_state' $KLPX_DEBUGFS/shadow_types
% rmmod $TARGET"

# - stack1 is enabled and then replaced by the orphan module, whose init
#   holds: stack1 is switched off, its exit still held back
# - rmmod -f of stack1 meanwhile: the kernel finds no exit to run; klpx
#   makes the replace final (stack1 leaves for good) and runs stack1's
#   exit, as a removal would have
# - let go, the init returns 0 and the replace stays enabled

start_test "a replaced patch module removed by force runs its exit"

load_mod $TARGET
load_mod $P1 say_exit=1
start_holding replace=1
log "% rmmod -f $P1"
err=$(rmmod -f $P1 2>&1) || die "rmmod -f $P1 failed: $err"
loop_until "! is_loaded $P1" || die "$P1 does not go away"
[ -d $KLPX_SYSFS/$P1 ] && die "$P1 is still in $KLPX_SYSFS"
let_go
show $KLPX_SYSFS/$ORPHAN/enabled
write_file 0 $KLPX_SYSFS/$ORPHAN/enabled || die "cannot disable $ORPHAN"
unload_mod $ORPHAN
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $P1.ko say_exit=1
klpx: enabling patch '$P1'
klpx: '$P1': enabled
% insmod $ORPHAN.ko replace=1 hold=1 &
klpx: enabling patch '$ORPHAN'
klpx: '$P1': replaced by '$ORPHAN'
klpx: '$ORPHAN': enabled
$ORPHAN: init: holding
% rmmod -f $P1
$P1: exit
% echo 0 > /sys/module/$ORPHAN/parameters/hold
$ORPHAN: init: let go
% cat $KLPX_SYSFS/$ORPHAN/enabled
| 1
% echo 0 > $KLPX_SYSFS/$ORPHAN/enabled
klpx: disabling patch '$ORPHAN'
klpx: shadow type orphan_state (id 0x6b700040) dropped: garbage-collecting 1 variable(s)
klpx: shadow type stack_state (id 0x6b700010) dropped: garbage-collecting 1 variable(s)
$ORPHAN: orphan_state dtor
klpx: '$ORPHAN': disabled
% rmmod $ORPHAN
$ORPHAN: exit
% rmmod $TARGET"

# - a patch module without an exit function is [permanent] while its
#   patch is enabled, and removable once it is disabled

NOEXIT=klpx_test_core_noexit
start_test "a patch module without an exit function"

load_mod $TARGET
load_mod $NOEXIT
show_module $NOEXIT
unload_failing_mod $NOEXIT "Device or resource busy"
write_file 0 $KLPX_SYSFS/$NOEXIT/enabled || die "cannot disable $NOEXIT"
show_module $NOEXIT
unload_mod $NOEXIT
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $NOEXIT.ko
klpx: enabling patch '$NOEXIT'
klpx: '$NOEXIT': enabled
% grep $NOEXIT /proc/modules
| $NOEXIT 1 [permanent],
% rmmod $NOEXIT
rmmod: can't unload module '$NOEXIT': Device or resource busy
% echo 0 > $KLPX_SYSFS/$NOEXIT/enabled
klpx: disabling patch '$NOEXIT'
klpx: '$NOEXIT': disabled
% grep $NOEXIT /proc/modules
| $NOEXIT 0 -
% rmmod $NOEXIT
% rmmod $TARGET"

exit 0
