#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Objects of a module that loads after the patch, goes away while
# patched, and comes back.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
PATCH=klpx_test_core_basic
V1=klpx_test_core_state_v1
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# The size of state_lock is sizeof(spinlock_t) and more, which
# PREEMPT_RT makes larger: the transcript calls it LOCK.
#
# show_types(pattern) - the debugfs lines of shadow types matching pattern
show_types() {
	log "% grep $1 $KLPX_DEBUGFS/shadow_types"
	grep "name=$1" $KLPX_DEBUGFS/shadow_types |
		sed -E 's/(name=state_lock size=)[0-9]+/\1LOCK/' |
		while IFS= read -r l; do log "| $l"; done
}

setup_test

# - with klpx_target absent, the patch patches vmlinux only: callbacks of
#   vmlinux run, klpx_target/patched is 0
# - loading klpx_target patches it before its init runs (the init already
#   greets with the patched text): pre_patch, switch, post_patch
# - removing klpx_target while patched runs pre_unpatch and post_unpatch
#   and clears patched; vmlinux stays patched
# - loading it again patches it again
# - disabling the patch then unpatches both objects

start_test "a module loaded after the patch, removed and loaded again"

load_mod $PATCH
show $KLPX_SYSFS/$PATCH/vmlinux/patched
show $KLPX_SYSFS/$PATCH/$TARGET/patched
load_mod $TARGET
show $KLPX_SYSFS/$PATCH/$TARGET/patched
show /proc/klpx_target
unload_mod $TARGET
show $KLPX_SYSFS/$PATCH/$TARGET/patched
show $KLPX_SYSFS/$PATCH/vmlinux/patched
load_mod $TARGET
show $KLPX_SYSFS/$PATCH/$TARGET/patched
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
show /proc/klpx_target
unload_mod $TARGET

check_result "% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch vmlinux
$PATCH: post_patch vmlinux
klpx: '$PATCH': enabled
% cat $KLPX_SYSFS/$PATCH/vmlinux/patched
| 1
% cat $KLPX_SYSFS/$PATCH/$TARGET/patched
| 0
% insmod $TARGET.ko
klpx: applying patch '$PATCH' to loading module '$TARGET'
$PATCH: pre_patch $TARGET
$PATCH: post_patch $TARGET
$TARGET: init: greeting: hello from $PATCH
% cat $KLPX_SYSFS/$PATCH/$TARGET/patched
| 1
% cat /proc/klpx_target
| greeting: hello from $PATCH
| version: 0
| items: 1 2 3 4
| counter: -1
% rmmod $TARGET
klpx: reverting patch '$PATCH' from unloading module '$TARGET'
$PATCH: pre_unpatch $TARGET
$PATCH: post_unpatch $TARGET
% cat $KLPX_SYSFS/$PATCH/$TARGET/patched
| 0
% cat $KLPX_SYSFS/$PATCH/vmlinux/patched
| 1
% insmod $TARGET.ko
klpx: applying patch '$PATCH' to loading module '$TARGET'
$PATCH: pre_patch $TARGET
$PATCH: post_patch $TARGET
$TARGET: init: greeting: hello from $PATCH
% cat $KLPX_SYSFS/$PATCH/$TARGET/patched
| 1
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
$PATCH: pre_unpatch vmlinux
$PATCH: pre_unpatch $TARGET
$PATCH: post_unpatch vmlinux
$PATCH: post_unpatch $TARGET
klpx: shadow type basic_state (id 0x6b700001) dropped: garbage-collecting 0 variable(s)
klpx: '$PATCH': disabled
% rmmod $PATCH
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1 2 3 4
| counter: -1
% rmmod $TARGET"

# - the shadow types of a module object are registered when the module
#   loads and garbage-collected when it goes: the item locks attached by
#   state_v1 are destroyed with its dtor when klpx_target is removed
# - when klpx_target comes back, its items start without shadow state

start_test "a module's shadow types follow the module"

load_mod $TARGET
load_mod $V1
show /proc/klpx_target
show_types state_
unload_mod $TARGET
show /sys/module/$V1/parameters/dtor_calls
show_types state_
load_mod $TARGET
show_types state_
show /proc/klpx_target
write_file 0 $KLPX_SYSFS/$V1/enabled || die "cannot disable $V1"
unload_mod $V1
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $V1.ko
klpx: enabling patch '$V1'
klpx: '$V1': enabled
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1001 1002 1003 1004
| counter: 4
% grep state_ $KLPX_DEBUGFS/shadow_types
| id=0x6b700020 name=state_lock size=LOCK refs=1 live=4
| id=0x6b700021 name=state_counter size=8 refs=1 live=1
% rmmod $TARGET
klpx: reverting patch '$V1' from unloading module '$TARGET'
klpx: shadow type state_lock (id 0x6b700020) dropped: garbage-collecting 4 variable(s)
klpx: shadow type state_counter (id 0x6b700021) dropped: garbage-collecting 1 variable(s)
% cat /sys/module/$V1/parameters/dtor_calls
| 4
% grep state_ $KLPX_DEBUGFS/shadow_types
% insmod $TARGET.ko
klpx: applying patch '$V1' to loading module '$TARGET'
$TARGET: init: greeting: hello from the original
% grep state_ $KLPX_DEBUGFS/shadow_types
| id=0x6b700020 name=state_lock size=LOCK refs=1 live=0
| id=0x6b700021 name=state_counter size=8 refs=1 live=0
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1001 1002 1003 1004
| counter: 4
% echo 0 > $KLPX_SYSFS/$V1/enabled
klpx: disabling patch '$V1'
klpx: shadow type state_lock (id 0x6b700020) dropped: garbage-collecting 4 variable(s)
klpx: shadow type state_counter (id 0x6b700021) dropped: garbage-collecting 1 variable(s)
klpx: '$V1': disabled
% rmmod $V1
% rmmod $TARGET"

# - a module whose object cannot be patched (its pre_patch fails) is
#   refused: insmod fails with that errno, and nothing of it stays
#   patched; the patch stays enabled on vmlinux
# - once the patch is gone, the module loads

start_test "a module the patch cannot be applied to is refused"

load_mod $PATCH pre_patch_ret=-19
load_failing_mod $TARGET "No such device"
is_loaded $TARGET && die "$TARGET is loaded"
show $KLPX_SYSFS/$PATCH/$TARGET/patched
show $KLPX_SYSFS/$PATCH/vmlinux/patched
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
load_mod $TARGET
unload_mod $TARGET

check_result "% insmod $PATCH.ko pre_patch_ret=-19
klpx: enabling patch '$PATCH'
$PATCH: pre_patch vmlinux
$PATCH: post_patch vmlinux
klpx: '$PATCH': enabled
% insmod $TARGET.ko
klpx: applying patch '$PATCH' to loading module '$TARGET'
$PATCH: pre_patch $TARGET: failing with -19
klpx: '$PATCH': pre_patch of $TARGET failed: -ENODEV
klpx: refusing to load module '$TARGET': patch '$PATCH' cannot be applied to it
insmod: can't insert '$TARGET.ko': No such device
% cat $KLPX_SYSFS/$PATCH/$TARGET/patched
| 0
% cat $KLPX_SYSFS/$PATCH/vmlinux/patched
| 1
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
$PATCH: pre_unpatch vmlinux
$PATCH: post_unpatch vmlinux
klpx: shadow type basic_state (id 0x6b700001) dropped: garbage-collecting 0 variable(s)
klpx: '$PATCH': disabled
% rmmod $PATCH
% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% rmmod $TARGET"

exit 0
