#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A function the kernel's own livepatch already patches cannot be patched
# by klpx, nor can anything while ftrace is disabled: the enable fails
# with -EBUSY, says which of the two it may be, and leaves nothing behind.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
KLP=klpx_test_core_klp
PATCH=klpx_test_core_basic
FTRACE_ENABLED=/proc/sys/kernel/ftrace_enabled
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

cleanup() {
	klp_off $KLP
	[ -n "$ftrace_was" ] && echo "$ftrace_was" >$FTRACE_ENABLED
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

# On the direct path (the default), ftrace first refuses the target's
# functions a direct ops, which klpx says before the ops path is refused.
fallback=
[ "$(klpx_path)" = direct ] &&
	fallback="klpx: '$PATCH': no direct calls to the functions of $TARGET (-EBUSY): they take the ops path
"

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
klp_off $KLP
unload_mod $KLP
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $KLP.ko
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch vmlinux
$PATCH: pre_patch $TARGET
${fallback}klpx: '$PATCH': ftrace refuses to redirect 'klpx_target_greeting' in $TARGET: another ftrace user (the kernel's livepatch?) already redirects it, or ftrace is disabled (sysctl kernel.ftrace_enabled=0)
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

# - with ftrace disabled (kernel.ftrace_enabled=0) the patch of vmlinux's
#   cmdline_proc_show() fails with EBUSY, and the log names both causes
# - its pre_patch is answered with post_unpatch; nothing stays hooked
# - with ftrace enabled again the same patch loads

start_test "no patch while ftrace is disabled"

[ -w $FTRACE_ENABLED ] || skip "no $FTRACE_ENABLED"
ftrace_was=$(cat $FTRACE_ENABLED)
write_file 0 $FTRACE_ENABLED || skip "ftrace cannot be disabled here"
load_failing_mod $PATCH "Device or resource busy"
write_file 1 $FTRACE_ENABLED || die "cannot enable ftrace again"
ftrace_was=
assert_eq "/proc/cmdline" "$cmdline" "$(cat /proc/cmdline)"
[ -e $KLPX_SYSFS/$PATCH ] && die "$PATCH has a sysfs directory"
load_mod $PATCH
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH

check_result "% echo 0 > $FTRACE_ENABLED
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch vmlinux
klpx: '$PATCH': ftrace refuses to redirect 'cmdline_proc_show' in vmlinux: another ftrace user (the kernel's livepatch?) already redirects it, or ftrace is disabled (sysctl kernel.ftrace_enabled=0)
$PATCH: post_unpatch vmlinux
insmod: can't insert '$PATCH.ko': Device or resource busy
% echo 1 > $FTRACE_ENABLED
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch vmlinux
$PATCH: post_patch vmlinux
klpx: '$PATCH': enabled
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
$PATCH: pre_unpatch vmlinux
$PATCH: post_unpatch vmlinux
klpx: shadow type basic_state (id 0x6b700001) dropped: garbage-collecting 0 variable(s)
klpx: '$PATCH': disabled
% rmmod $PATCH"

exit 0
