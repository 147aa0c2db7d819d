#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A pre_patch callback that fails makes the enable fail with its errno,
# and nothing changes.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
P1=klpx_test_core_stack1
PATCH=klpx_test_core_basic
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test

# - stack1 is enabled (version 1)
# - the basic patch's klpx_target pre_patch returns -ENODEV: insmod fails
#   with "No such device"; vmlinux's pre_patch had run, so its
#   post_unpatch runs (as in the kernel's livepatch)
# - afterwards: /proc/cmdline and the greeting are the originals, stack1
#   still runs, only stack1 is in sysfs, basic_state is not registered,
#   and ftrace hooks nothing of the failed patch

start_test "a failing pre_patch leaves everything as it was"

cmdline=$(cat /proc/cmdline)
load_mod $TARGET
load_mod $P1
load_failing_mod $PATCH "No such device" pre_patch_ret=-19
show /proc/klpx_target
show_ls $KLPX_SYSFS
assert_eq "/proc/cmdline" "$cmdline" "$(cat /proc/cmdline)"
grep -q basic_state $KLPX_DEBUGFS/shadow_types &&
	die "basic_state is still registered"
grep -qE "^(cmdline_proc_show|klpx_target_greeting) " \
	/sys/kernel/tracing/enabled_functions &&
	die "ftrace still hooks a function of the failed patch"
write_file 0 $KLPX_SYSFS/$P1/enabled || die "cannot disable $P1"
unload_mod $P1
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $P1.ko
klpx: enabling patch '$P1'
klpx: '$P1': enabled
% insmod $PATCH.ko pre_patch_ret=-19
klpx: enabling patch '$PATCH'
$PATCH: pre_patch vmlinux
$PATCH: pre_patch $TARGET: failing with -19
klpx: '$PATCH': pre_patch of $TARGET failed: -ENODEV
$PATCH: post_unpatch vmlinux
insmod: can't insert '$PATCH.ko': No such device
% cat /proc/klpx_target
| greeting: hello from the original
| version: 1
| items: 1 2 3 4
| counter: -1
% ls $KLPX_SYSFS
| $P1
% echo 0 > $KLPX_SYSFS/$P1/enabled
klpx: disabling patch '$P1'
klpx: shadow type stack_state (id 0x6b700010) dropped: garbage-collecting 0 variable(s)
klpx: '$P1': disabled
% rmmod $P1
% rmmod $TARGET"

exit 0
