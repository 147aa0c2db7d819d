#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Cumulative patches hand shadow state over, a downgrade garbage-collects
# the state it drops with the replaced patch's destructor, and the state
# comes back clean.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
V1=klpx_test_core_state_v1
V2=klpx_test_core_state_v2
V3=klpx_test_core_state_v3
V4=klpx_test_core_state_v4
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# The size of state_lock is sizeof(spinlock_t) and more, which
# PREEMPT_RT makes larger: the transcript calls it LOCK.
#
# show_types() - the debugfs lines of the state_* shadow types
show_types() {
	log "% grep state_ $KLPX_DEBUGFS/shadow_types"
	grep "name=state_" $KLPX_DEBUGFS/shadow_types |
		sed -E 's/(name=state_lock size=)[0-9]+/\1LOCK/' |
		while IFS= read -r l; do log "| $l"; done
}

# param(mod, name) - a parameter of a module, into the transcript
param() {
	show /sys/module/$1/parameters/$2
}

setup_test

# - v1 attaches a shadow lock stamped 1000+id to each live item (on first
#   read) and counts reads in a global shadow on NULL
# - v2 (same ids) replaces v1: v2 found v1's 4 locks at its pre_patch,
#   reads show v1's stamps (v2's ctor would stamp 2000+id), the counter
#   goes on, and no destructor ran (v1's count is 0); v1 can be removed
# - v3 drops the lock: on the switch, every lock is destroyed with v2's
#   destructor, exactly once each (items 1..4: mask 30, no duplicate);
#   the counter survives; v2 can be removed after its dtor ran, and the
#   items read without any code of v2
# - v4 brings the lock id back: it finds no variable (nothing stale), and
#   new reads stamp 4000+id
# - disabling v4 collects both ids with v4's destructor

start_test "state handover, downgrade garbage collection, clean comeback"

load_mod $TARGET
load_mod $V1
show /proc/klpx_target
show_types
load_mod $V2
param $V2 found
param $V1 dtor_calls
unload_mod $V1
show /proc/klpx_target
show_types
load_mod $V3
param $V2 dtor_calls
param $V2 dtor_mask
param $V2 dtor_dups
unload_mod $V2
show /proc/klpx_target
show_types
load_mod $V4
param $V4 found
unload_mod $V3
show /proc/klpx_target
show_types
write_file 0 $KLPX_SYSFS/$V4/enabled || die "cannot disable $V4"
param $V4 dtor_calls
unload_mod $V4
show /proc/klpx_target
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $V1.ko
klpx: enabling patch '$V1'
klpx: '$V1': enabled
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1001 1002 1003 1004
| counter: 4
% grep state_ $KLPX_DEBUGFS/shadow_types
| id=0x6b700020 name=state_lock size=LOCK refs=1 live=4
| id=0x6b700021 name=state_counter size=8 refs=1 live=1
% insmod $V2.ko
klpx: enabling patch '$V2'
klpx: '$V1': replaced by '$V2'
klpx: '$V2': enabled
% cat /sys/module/$V2/parameters/found
| 4
% cat /sys/module/$V1/parameters/dtor_calls
| 0
% rmmod $V1
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1001 1002 1003 1004
| counter: 8
% grep state_ $KLPX_DEBUGFS/shadow_types
| id=0x6b700020 name=state_lock size=LOCK refs=1 live=4
| id=0x6b700021 name=state_counter size=8 refs=1 live=1
% insmod $V3.ko
klpx: enabling patch '$V3'
klpx: '$V2': replaced by '$V3'
klpx: '$V3': enabled
klpx: shadow type state_lock (id 0x6b700020) dropped: garbage-collecting 4 variable(s)
% cat /sys/module/$V2/parameters/dtor_calls
| 4
% cat /sys/module/$V2/parameters/dtor_mask
| 30
% cat /sys/module/$V2/parameters/dtor_dups
| 0
% rmmod $V2
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1 2 3 4
| counter: 12
% grep state_ $KLPX_DEBUGFS/shadow_types
| id=0x6b700021 name=state_counter size=8 refs=1 live=1
% insmod $V4.ko
klpx: enabling patch '$V4'
klpx: '$V3': replaced by '$V4'
klpx: '$V4': enabled
% cat /sys/module/$V4/parameters/found
| 0
% rmmod $V3
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 4001 4002 4003 4004
| counter: 16
% grep state_ $KLPX_DEBUGFS/shadow_types
| id=0x6b700021 name=state_counter size=8 refs=1 live=1
| id=0x6b700020 name=state_lock size=LOCK refs=1 live=4
% echo 0 > $KLPX_SYSFS/$V4/enabled
klpx: disabling patch '$V4'
klpx: shadow type state_lock (id 0x6b700020) dropped: garbage-collecting 4 variable(s)
klpx: shadow type state_counter (id 0x6b700021) dropped: garbage-collecting 1 variable(s)
klpx: '$V4': disabled
% cat /sys/module/$V4/parameters/dtor_calls
| 4
% rmmod $V4
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1 2 3 4
| counter: -1
% rmmod $TARGET"

exit 0
