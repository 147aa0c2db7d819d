#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A function another direct user already calls from its fentry site (as a
# BPF trampoline does) cannot take klpx's direct path: klpx says so and
# redirects it on the ops path, both users running on every call.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
OTHER=klpx_test_direct_other
P1=klpx_test_core_stack1
CALLS=/sys/module/$OTHER/parameters/calls
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

cleanup() {
	cleanup_modules
	restore_direct
}

# version_calls - read /proc/klpx_target (one call of klpx_target_version)
# and print how many calls the other user's trampoline saw meanwhile
version_calls() {
	local before
	before=$(cat $CALLS)
	cat /proc/klpx_target >/dev/null
	echo $(($(cat $CALLS) - before))
}

setup_test
set_direct Y

# - the other user's trampoline runs on each call of klpx_target_version()
# - stack1 (klpx_target_version) asks for the direct path, is told why
#   not, and takes the ops path: funcs says path=ops, its version runs,
#   and the trampoline still sees each call
# - disabled, the original runs again, still under the trampoline

start_test "a function another direct user holds falls back to the ops path"

load_mod $TARGET
load_mod $OTHER
assert_eq "trampoline calls, unpatched" 1 "$(version_calls)"
load_mod $P1
show $KLPX_DEBUGFS/funcs
show /proc/klpx_target
assert_eq "trampoline calls, patched" 1 "$(version_calls)"
disable_patch $P1
unload_mod $P1
show /proc/klpx_target
assert_eq "trampoline calls, unpatched again" 1 "$(version_calls)"
unload_mod $OTHER
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $OTHER.ko
% insmod $P1.ko
klpx: enabling patch '$P1'
klpx: '$P1': no direct calls to the functions of $TARGET (-EBUSY): they take the ops path
klpx: '$P1': enabled
% cat $KLPX_DEBUGFS/funcs
| func=klpx_target_version object=$TARGET patches=$P1 path=ops
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
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1 2 3 4
| counter: -1
% rmmod $OTHER
% rmmod $TARGET"

exit 0
