#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# klpx first, the kernel's livepatch second: the livepatch of a function
# klpx redirects is refused with -EBUSY, klpx's replacement keeps running,
# and once klpx lets go the same livepatch loads.  (The other order is
# core-klp.)

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
KLP=klpx_test_core_klp
PATCH=klpx_test_core_basic
KLP_DIR=/sys/kernel/livepatch/$KLP
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

cleanup() {
	klp_off $KLP
	cleanup_modules
}

setup_test
[ -d /sys/kernel/livepatch ] || skip "this kernel has no livepatch"

# - klpx patches klpx_target_greeting() (and cmdline_proc_show())
# - the kernel's livepatch of klpx_target_greeting() fails with EBUSY
# - the greeting is still klpx's; funcs still lists it
# - klpx's patch disabled, the same livepatch loads and its greeting runs

start_test "the kernel's livepatch of a function klpx redirects is refused"

load_mod $TARGET
load_mod $PATCH
load_failing_mod $KLP "Device or resource busy"
[ -d $KLP_DIR ] && die "the refused livepatch has a sysfs directory"
show /proc/klpx_target
grep -q "^func=klpx_target_greeting .*patches=$PATCH" $KLPX_DEBUGFS/funcs ||
	die "funcs does not list klpx_target_greeting"
disable_patch $PATCH
unload_mod $PATCH
load_mod $KLP
loop_until "[ \"\$(cat $KLP_DIR/transition)\" = 0 ]" ||
	die "the kernel livepatch does not finish its transition"
show /proc/klpx_target
klp_off $KLP
unload_mod $KLP
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch vmlinux
$PATCH: pre_patch $TARGET
$PATCH: post_patch vmlinux
$PATCH: post_patch $TARGET
klpx: '$PATCH': enabled
% insmod $KLP.ko
insmod: can't insert '$KLP.ko': Device or resource busy
% cat /proc/klpx_target
| greeting: hello from $PATCH
| version: 0
| items: 1 2 3 4
| counter: -1
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
$PATCH: pre_unpatch vmlinux
$PATCH: pre_unpatch $TARGET
$PATCH: post_unpatch vmlinux
$PATCH: post_unpatch $TARGET
klpx: shadow type basic_state (id 0x6b700001) dropped: garbage-collecting 0 variable(s)
klpx: '$PATCH': disabled
% rmmod $PATCH
% insmod $KLP.ko
% cat /proc/klpx_target
| greeting: hello from the kernel's livepatch
| version: 0
| items: 1 2 3 4
| counter: -1
% rmmod $KLP
% rmmod $TARGET"

exit 0
