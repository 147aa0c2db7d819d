#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A function the kernel's own livepatch already patches cannot be patched
# by klpx: the enable fails with -EBUSY and leaves nothing behind.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
KLP=klpx_test_core_klp
PATCH=klpx_test_core_basic
KLP_DIR=/sys/kernel/livepatch/$KLP
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# show(path) - cat path into the transcript, each line as "| line"
show() {
	log "% cat $1"
	cat "$1" | while IFS= read -r l; do log "| $l"; done
}

# klp_off() - disable the kernel livepatch and wait until it is gone
klp_off() {
	[ -d $KLP_DIR ] || return 0
	loop_until "[ \"\$(cat $KLP_DIR/transition)\" = 0 ]" ||
		die "the kernel livepatch does not finish its transition"
	echo 0 >$KLP_DIR/enabled
	loop_until "[ ! -d $KLP_DIR ]" ||
		die "the kernel livepatch does not go away"
}

cleanup() {
	klp_off
	cleanup_modules
}

setup_test
[ -d /sys/kernel/livepatch ] || skip "this kernel has no livepatch"

# - the kernel's livepatch patches klpx_target_greeting()
# - the klpx patch of vmlinux's cmdline_proc_show() and of
#   klpx_target_greeting() fails with EBUSY naming the function; its
#   callbacks are unwound (post_unpatch of both objects)
# - /proc/cmdline is the original and ftrace hooks cmdline_proc_show for
#   no one: the redirection klpx had prepared for it is gone
# - the greeting is still the kernel livepatch's

start_test "a function owned by the kernel's livepatch is refused"

cmdline=$(cat /proc/cmdline)
load_mod $TARGET
load_mod $KLP
load_failing_mod $PATCH "Device or resource busy"
assert_eq "/proc/cmdline" "$cmdline" "$(cat /proc/cmdline)"
grep -q "^cmdline_proc_show " /sys/kernel/tracing/enabled_functions &&
	die "ftrace still hooks cmdline_proc_show"
[ -e $KLPX_SYSFS/$PATCH ] && die "$PATCH has a sysfs directory"
show /proc/klpx_target
klp_off
unload_mod $KLP
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $KLP.ko
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch vmlinux
$PATCH: pre_patch $TARGET
klpx: '$PATCH': 'klpx_target_greeting' in $TARGET is already redirected by another ftrace user (the kernel's livepatch?)
$PATCH: post_unpatch vmlinux
$PATCH: post_unpatch $TARGET
insmod: can't insert '$PATCH.ko': Device or resource busy
% cat /proc/klpx_target
| greeting: hello from the kernel's livepatch
| version: 0
| items: 1 2 3 4
| counter: -1
% rmmod $KLP
% rmmod $TARGET"

exit 0
