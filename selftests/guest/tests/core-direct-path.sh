#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# With klpx's "direct" parameter set (the default), patched functions are
# reached by direct calls from their fentry sites, and everything else
# behaves as on the ops path: the same stacking, atomic replace, refusals
# (the kernel's livepatch in either order) and tracers.  The other core
# tests check the direct path by default; core-ops-path runs them again
# on the ops path.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
BASIC=klpx_test_core_basic
P1=klpx_test_core_stack1
P2=klpx_test_core_stack2
TRANSCRIPT='^(% |[|] )'

cleanup() {
	klp_off $KLP
	cleanup_modules
	restore_direct
}

# show_funcs() - the funcs file into the transcript, sorted
show_funcs() {
	log "% sort $KLPX_DEBUGFS/funcs"
	sort $KLPX_DEBUGFS/funcs | while IFS= read -r l; do log "| $l"; done
}

setup_test
set_direct Y

# - basic (cmdline_proc_show, klpx_target_greeting), stack1 and stack2
#   (klpx_target_version, klpx_target_greeting) stacked: funcs lists every
#   function with path=direct, and each call runs the newest patch's code
# - disabling stack2 brings back stack1's version and basic's greeting

start_test "stacked patches on the direct path"

load_mod $TARGET
load_mod $BASIC
load_mod $P1
load_mod $P2
show_funcs
show /proc/cmdline
show /proc/klpx_target
disable_patch $P2
show_funcs
show /proc/klpx_target
cleanup_modules

check_result "% insmod $TARGET.ko
% insmod $BASIC.ko
% insmod $P1.ko
% insmod $P2.ko
% sort $KLPX_DEBUGFS/funcs
| func=cmdline_proc_show object=vmlinux patches=$BASIC path=direct
| func=klpx_target_greeting object=$TARGET patches=$P2,$BASIC path=direct
| func=klpx_target_version object=$TARGET patches=$P2,$P1 path=direct
% cat /proc/cmdline
| this has been live patched by $BASIC
% cat /proc/klpx_target
| greeting: hello from $P2
| version: 2
| items: 1 2 3 4
| counter: -1
% echo 0 > $KLPX_SYSFS/$P2/enabled
% sort $KLPX_DEBUGFS/funcs
| func=cmdline_proc_show object=vmlinux patches=$BASIC path=direct
| func=klpx_target_greeting object=$TARGET patches=$BASIC path=direct
| func=klpx_target_version object=$TARGET patches=$P1 path=direct
% cat /proc/klpx_target
| greeting: hello from $BASIC
| version: 1
| items: 1 2 3 4
| counter: -1"

# - the kernel's livepatch holds klpx_target_greeting(): basic gets its
#   vmlinux function on the direct path, is refused the direct path for
#   klpx_target's, falls back, and ftrace refuses it there too with EBUSY;
#   the enable unwinds, the direct call to cmdline_proc_show() included

KLP=klpx_test_core_klp
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

start_test "the kernel's livepatch first, then klpx on the direct path"

if [ -d /sys/kernel/livepatch ]; then
	cmdline=$(cat /proc/cmdline)
	load_mod $TARGET
	load_mod $KLP
	load_failing_mod $BASIC "Device or resource busy"
	assert_eq "/proc/cmdline" "$cmdline" "$(cat /proc/cmdline)"
	grep -q "^cmdline_proc_show " /sys/kernel/tracing/enabled_functions &&
		die "ftrace still hooks cmdline_proc_show"
	show /proc/klpx_target
	klp_off $KLP
	cleanup_modules

	check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $KLP.ko
% insmod $BASIC.ko
klpx: enabling patch '$BASIC'
$BASIC: pre_patch vmlinux
$BASIC: pre_patch $TARGET
klpx: '$BASIC': no direct calls to the functions of $TARGET (-EBUSY): they take the ops path
klpx: '$BASIC': ftrace refuses to redirect 'klpx_target_greeting' in $TARGET: another ftrace user (the kernel's livepatch?) already redirects it, or ftrace is disabled (sysctl kernel.ftrace_enabled=0)
$BASIC: post_unpatch vmlinux
$BASIC: post_unpatch $TARGET
insmod: can't insert '$BASIC.ko': Device or resource busy
% cat /proc/klpx_target
| greeting: hello from the kernel's livepatch
| version: 0
| items: 1 2 3 4
| counter: -1"
else
	echo "ok # SKIP this kernel has no livepatch"
fi

exit 0
