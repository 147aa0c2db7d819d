#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Patch a vmlinux function and a module function; disabling the patch and
# removing its module brings both originals back.

. "$(dirname "$0")/../functions.sh"

PATCH=klpx_test_core_basic
TARGET=klpx_target
DIR=$KLPX_SYSFS/$PATCH
TAINT_LIVEPATCH=32768
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test

# - /proc/cmdline (vmlinux's cmdline_proc_show) and klpx_target_greeting()
#   show the patched text once the patch is loaded, and the kernel is
#   tainted with TAINT_LIVEPATCH
# - callbacks run in order: pre_patch of each object, the switch,
#   post_patch of each object
# - sysfs shows enabled=1, replace=0, patched=1 for both objects; debugfs
#   lists the patch's shadow type with one registration
# - writing 0 to enabled runs pre_unpatch and post_unpatch, removes the
#   sysfs directory and the shadow type, and the module can be removed
# - afterwards both functions are the originals again, and ftrace no
#   longer hooks them

start_test "patch a vmlinux and a module function, then disable"

cmdline=$(cat /proc/cmdline)
load_mod $TARGET
show /proc/klpx_target
load_mod $PATCH
assert_eq "patched /proc/cmdline" \
	"this has been live patched by $PATCH" "$(cat /proc/cmdline)"
show /proc/klpx_target
show $DIR/enabled
show $DIR/replace
show $DIR/vmlinux/patched
show $DIR/$TARGET/patched
log "% grep basic_state $KLPX_DEBUGFS/shadow_types"
log "| $(grep basic_state $KLPX_DEBUGFS/shadow_types)"
[ $(( $(cat /proc/sys/kernel/tainted) & TAINT_LIVEPATCH )) -ne 0 ] ||
	die "the kernel is not tainted with TAINT_LIVEPATCH"

write_file 0 $DIR/enabled || die "cannot disable $PATCH"
[ -e $DIR ] && die "$DIR is still there after the disable"
unload_mod $PATCH
assert_eq "restored /proc/cmdline" "$cmdline" "$(cat /proc/cmdline)"
show /proc/klpx_target
grep -q basic_state $KLPX_DEBUGFS/shadow_types &&
	die "basic_state is still registered"
grep -qE "^(cmdline_proc_show|klpx_target_greeting) " \
	/sys/kernel/tracing/enabled_functions &&
	die "ftrace still hooks a function of the patch"
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1 2 3 4
| counter: -1
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch vmlinux
$PATCH: pre_patch $TARGET
$PATCH: post_patch vmlinux
$PATCH: post_patch $TARGET
klpx: '$PATCH': enabled
% cat /proc/klpx_target
| greeting: hello from $PATCH
| version: 0
| items: 1 2 3 4
| counter: -1
% cat $DIR/enabled
| 1
% cat $DIR/replace
| 0
% cat $DIR/vmlinux/patched
| 1
% cat $DIR/$TARGET/patched
| 1
% grep basic_state $KLPX_DEBUGFS/shadow_types
| id=0x6b700001 name=basic_state size=8 refs=1 live=0
% echo 0 > $DIR/enabled
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

exit 0
