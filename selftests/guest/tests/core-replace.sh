#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An atomic replace of three stacked patches leaves one patch: its own
# behaviour, the originals of what only the others patched, one sysfs
# directory, and replaced modules that can be removed.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
P1=klpx_test_core_stack1
P2=klpx_test_core_stack2
P3=klpx_test_core_stack3
R=klpx_test_core_replace
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# show_type(name) - the debugfs line of shadow type name, or nothing
show_type() {
	log "% grep $1 $KLPX_DEBUGFS/shadow_types"
	grep "name=$1 " $KLPX_DEBUGFS/shadow_types |
		while IFS= read -r l; do log "| $l"; done
}

setup_test

# - stack1..3 are enabled on top of each other: version 3, the greeting of
#   stack2, three registrations of stack_state
# - the replace patch (version 4, no greeting, no stack_state) replaces all
#   three in one switch: version 4, the original greeting, stack_state
#   garbage-collected, and /sys/kernel/klpx holds only the replace patch
# - no callbacks of the replaced patches run; each replaced module is
#   unpinned and can be removed right away
# - disabling the replace patch brings every original back

start_test "atomic replace of three stacked patches"

load_mod $TARGET
load_mod $P1
load_mod $P2
load_mod $P3
show /proc/klpx_target
show_type stack_state
show_ls $KLPX_SYSFS
load_mod $R
show /proc/klpx_target
show_type stack_state
show_ls $KLPX_SYSFS
show $KLPX_SYSFS/$R/replace
for m in $P1 $P2 $P3; do
	assert_eq "references to replaced $m" 0 "$(cat /sys/module/$m/refcnt)"
done
unload_mod $P1
unload_mod $P2
unload_mod $P3
show /proc/klpx_target
write_file 0 $KLPX_SYSFS/$R/enabled || die "cannot disable $R"
unload_mod $R
show /proc/klpx_target
show_ls $KLPX_SYSFS
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $P1.ko
klpx: enabling patch '$P1'
klpx: '$P1': enabled
% insmod $P2.ko
klpx: enabling patch '$P2'
klpx: '$P2': enabled
% insmod $P3.ko
klpx: enabling patch '$P3'
klpx: '$P3': enabled
% cat /proc/klpx_target
| greeting: hello from $P2
| version: 3
| items: 1 2 3 4
| counter: -1
% grep stack_state $KLPX_DEBUGFS/shadow_types
| id=0x6b700010 name=stack_state size=8 refs=3 live=0
% ls $KLPX_SYSFS
| $P1
| $P2
| $P3
% insmod $R.ko
klpx: enabling patch '$R'
klpx: '$P1': replaced by '$R'
klpx: '$P2': replaced by '$R'
klpx: '$P3': replaced by '$R'
klpx: '$R': enabled
klpx: shadow type stack_state (id 0x6b700010) dropped: garbage-collecting 0 variable(s)
% cat /proc/klpx_target
| greeting: hello from the original
| version: 4
| items: 1 2 3 4
| counter: -1
% grep stack_state $KLPX_DEBUGFS/shadow_types
% ls $KLPX_SYSFS
| $R
% cat $KLPX_SYSFS/$R/replace
| 1
% rmmod $P1
% rmmod $P2
% rmmod $P3
% cat /proc/klpx_target
| greeting: hello from the original
| version: 4
| items: 1 2 3 4
| counter: -1
% echo 0 > $KLPX_SYSFS/$R/enabled
klpx: disabling patch '$R'
klpx: '$R': disabled
% rmmod $R
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1 2 3 4
| counter: -1
% ls $KLPX_SYSFS
% rmmod $TARGET"

exit 0
