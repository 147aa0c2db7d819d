#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Two non-replace patches of one function: the newest runs; disabling it
# brings back the one below, disabling that the original.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
P1=klpx_test_core_stack1
P2=klpx_test_core_stack2
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# show_type(name) - the debugfs line of shadow type name, or nothing
show_type() {
	log "% grep $1 $KLPX_DEBUGFS/shadow_types"
	grep "name=$1 " $KLPX_DEBUGFS/shadow_types |
		while IFS= read -r l; do log "| $l"; done
}

setup_test

# - stack1 makes klpx_target_version() return 1; stack2, loaded on top,
#   makes it return 2 and also patches klpx_target_greeting()
# - both register the shadow type stack_state: one id, two registrations
# - disabling stack2 brings back stack1's version and the original
#   greeting; stack_state keeps one registration
# - disabling stack1 brings back the original and drops stack_state

start_test "two stacked patches, disabled from the top"

load_mod $TARGET
load_mod $P1
show /proc/klpx_target
load_mod $P2
show /proc/klpx_target
show_type stack_state
write_file 0 $KLPX_SYSFS/$P2/enabled || die "cannot disable $P2"
unload_mod $P2
show /proc/klpx_target
show_type stack_state
write_file 0 $KLPX_SYSFS/$P1/enabled || die "cannot disable $P1"
unload_mod $P1
show /proc/klpx_target
show_type stack_state
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
% insmod $P2.ko
klpx: enabling patch '$P2'
klpx: '$P2': enabled
% cat /proc/klpx_target
| greeting: hello from $P2
| version: 2
| items: 1 2 3 4
| counter: -1
% grep stack_state $KLPX_DEBUGFS/shadow_types
| id=0x6b700010 name=stack_state size=8 refs=2 live=0
% echo 0 > $KLPX_SYSFS/$P2/enabled
klpx: disabling patch '$P2'
klpx: '$P2': disabled
% rmmod $P2
% cat /proc/klpx_target
| greeting: hello from the original
| version: 1
| items: 1 2 3 4
| counter: -1
% grep stack_state $KLPX_DEBUGFS/shadow_types
| id=0x6b700010 name=stack_state size=8 refs=1 live=0
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
% grep stack_state $KLPX_DEBUGFS/shadow_types
% rmmod $TARGET"

exit 0
