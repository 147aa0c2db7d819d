#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Shadow types as states: setup when an id is first registered, release
# once when a downgrade drops it (after its variables, in process
# context, with the replaced patch's code), and versions that a replace
# may keep or raise but never lower.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
V1=klpx_test_core_states_v1
V2=klpx_test_core_states_v2
V3=klpx_test_core_states_v3
V4=klpx_test_core_states_v4
V5=klpx_test_core_states_v5
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# show_types() - the debugfs lines of the states_* shadow types
show_types() {
	log "% grep states_ $KLPX_DEBUGFS/shadow_types"
	grep "name=states_" $KLPX_DEBUGFS/shadow_types |
		while IFS= read -r l; do log "| $l"; done
}

# param(mod, name) - a parameter of a module, into the transcript
param() {
	show /sys/module/$1/parameters/$2
}

setup_test

# - v1 registers states_guard at version 1: its setup runs once, in
#   process context; reads attach a variable stamped 1000+id to each item
# - v2 carries states_guard over at version 2: no setup (v2 counts 0), no
#   release (v1 counts 0), the variables stay; debugfs says version=2
# - v3 would take states_guard back to version 1: refused with -EINVAL
#   and one line naming both versions; v2 stays enabled, nothing changes
# - v4 drops states_guard: v2's dtor runs once per variable (items 1..4,
#   mask 30), then v2's release once, after the 4 dtor calls, in process
#   context; the id is gone
# - v5 adds states_extra (setup works) and states_broken (setup fails
#   with -ENODEV): the load fails with that errno, states_extra's setup
#   is undone by its release, v4 stays enabled and nothing is registered
# - v5 enabled before its target loads: the same failing setup refuses
#   the target's load, states_extra is released again, nothing stays

start_test "states: setup, carried over, version refused, release, setup failure"

load_mod $TARGET
load_mod $V1
param $V1 setup_calls
show /proc/klpx_target
show_types
load_mod $V2
param $V2 setup_calls
param $V1 release_calls
unload_mod $V1
show /proc/klpx_target
show_types
load_failing_mod $V3 "Invalid argument"
show_ls $KLPX_SYSFS
show /proc/klpx_target
show_types
load_mod $V4
param $V2 dtor_calls
param $V2 dtor_mask
param $V2 release_calls
param $V2 dtors_before_release
unload_mod $V2
show /proc/klpx_target
show_types
load_failing_mod $V5 "No such device"
show_ls $KLPX_SYSFS
show /proc/klpx_target
show_types
write_file 0 $KLPX_SYSFS/$V4/enabled || die "cannot disable $V4"
unload_mod $V4
unload_mod $TARGET
load_mod $V5
load_failing_mod $TARGET "No such device"
show_types
write_file 0 $KLPX_SYSFS/$V5/enabled || die "cannot disable $V5"
unload_mod $V5

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $V1.ko
klpx: enabling patch '$V1'
$V1: setup of states_guard, version 1, in process context
klpx: '$V1': enabled
% cat /sys/module/$V1/parameters/setup_calls
| 1
% cat /proc/klpx_target
| greeting: hello from the original
| version: 1
| items: 1001 1002 1003 1004
| counter: -1
% grep states_ $KLPX_DEBUGFS/shadow_types
| id=0x6b700030 name=states_guard size=4 refs=1 live=4 version=1
% insmod $V2.ko
klpx: enabling patch '$V2'
klpx: '$V1': replaced by '$V2'
klpx: '$V2': enabled
% cat /sys/module/$V2/parameters/setup_calls
| 0
% cat /sys/module/$V1/parameters/release_calls
| 0
% rmmod $V1
% cat /proc/klpx_target
| greeting: hello from the original
| version: 2
| items: 1001 1002 1003 1004
| counter: -1
% grep states_ $KLPX_DEBUGFS/shadow_types
| id=0x6b700030 name=states_guard size=4 refs=1 live=4 version=2
% insmod $V3.ko
klpx: enabling patch '$V3'
klpx: shadow type states_guard (id 0x6b700030) version 1 cannot join registered version 2: a version may be kept or raised, never lowered
klpx: '$V3': cannot register shadow type states_guard (id 0x6b700030) of $TARGET: -EINVAL
insmod: can't insert '$V3.ko': Invalid argument
% ls $KLPX_SYSFS
| $V2
% cat /proc/klpx_target
| greeting: hello from the original
| version: 2
| items: 1001 1002 1003 1004
| counter: -1
% grep states_ $KLPX_DEBUGFS/shadow_types
| id=0x6b700030 name=states_guard size=4 refs=1 live=4 version=2
% insmod $V4.ko
klpx: enabling patch '$V4'
klpx: '$V2': replaced by '$V4'
klpx: '$V4': enabled
klpx: shadow type states_guard (id 0x6b700030) dropped: garbage-collecting 4 variable(s), then its release
$V2: release of states_guard, after 4 dtor call(s), in process context
% cat /sys/module/$V2/parameters/dtor_calls
| 4
% cat /sys/module/$V2/parameters/dtor_mask
| 30
% cat /sys/module/$V2/parameters/release_calls
| 1
% cat /sys/module/$V2/parameters/dtors_before_release
| 4
% rmmod $V2
% cat /proc/klpx_target
| greeting: hello from the original
| version: 4
| items: 1 2 3 4
| counter: -1
% grep states_ $KLPX_DEBUGFS/shadow_types
% insmod $V5.ko
klpx: enabling patch '$V5'
$V5: setup of states_extra, version 0, in process context
$V5: setup of states_broken, version 0, in process context
klpx: shadow type states_broken (id 0x6b700032): setup failed: -19; not registered
klpx: '$V5': cannot register shadow type states_broken (id 0x6b700032) of $TARGET: -ENODEV
$V5: release of states_extra, after 0 dtor call(s), in process context
insmod: can't insert '$V5.ko': No such device
% ls $KLPX_SYSFS
| $V4
% cat /proc/klpx_target
| greeting: hello from the original
| version: 4
| items: 1 2 3 4
| counter: -1
% grep states_ $KLPX_DEBUGFS/shadow_types
% echo 0 > $KLPX_SYSFS/$V4/enabled
klpx: disabling patch '$V4'
klpx: '$V4': disabled
% rmmod $V4
% rmmod $TARGET
% insmod $V5.ko
klpx: enabling patch '$V5'
klpx: '$V5': enabled
% insmod $TARGET.ko
klpx: applying patch '$V5' to loading module '$TARGET'
$V5: setup of states_extra, version 0, in process context
$V5: setup of states_broken, version 0, in process context
klpx: shadow type states_broken (id 0x6b700032): setup failed: -19; not registered
klpx: '$V5': cannot register shadow type states_broken (id 0x6b700032) of $TARGET: -ENODEV
$V5: release of states_extra, after 0 dtor call(s), in process context
klpx: refusing to load module '$TARGET': patch '$V5' cannot be applied to it
insmod: can't insert '$TARGET.ko': No such device
% grep states_ $KLPX_DEBUGFS/shadow_types
% echo 0 > $KLPX_SYSFS/$V5/enabled
klpx: disabling patch '$V5'
klpx: '$V5': disabled
% rmmod $V5"

exit 0
