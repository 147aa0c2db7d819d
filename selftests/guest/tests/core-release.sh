#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A shadow id that a patch releases is garbage-collected only when no
# registration is left: a registration outside the patches keeps its
# variables, and the log says so rather than announcing a collection.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
ORPHAN=klpx_test_core_orphan
SHADOW=klpx_test_shadow
ID=$((0x6b700040))
HEX_ID=0x6b700040
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# show_type() - the debugfs line of orphan_state, or nothing
show_type() {
	log "% grep orphan_state $KLPX_DEBUGFS/shadow_types"
	grep "name=orphan_state " $KLPX_DEBUGFS/shadow_types |
		while IFS= read -r l; do log "| $l"; done
}

setup_test

# - klpx_test_shadow registers the id of orphan_state itself, outside any
#   patch
# - the orphan patch registers it too (refs=2) and attaches one variable
# - disabling the patch releases its registration: the log says the id is
#   kept, with its variable, by one other registration; the patch's dtor
#   does not run
# - removing klpx_test_shadow drops the last registration: the variable
#   is destroyed then, with klpx_test_shadow's dtor

start_test "an id kept by a registration outside the patches"

load_mod $SHADOW id=$ID name=orphan_state size=0
load_mod $TARGET
load_mod $ORPHAN
show_type
write_file 0 $KLPX_SYSFS/$ORPHAN/enabled || die "cannot disable $ORPHAN"
show_type
unload_mod $ORPHAN
unload_mod $SHADOW
show_type
unload_mod $TARGET

check_result "% insmod $SHADOW.ko id=$ID name=orphan_state size=0
$SHADOW: register orphan_state id=0x6b700040 size=0: count=0
% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $ORPHAN.ko
klpx: enabling patch '$ORPHAN'
klpx: '$ORPHAN': enabled
% grep orphan_state $KLPX_DEBUGFS/shadow_types
| id=$HEX_ID name=orphan_state size=0 refs=2 live=1
% echo 0 > $KLPX_SYSFS/$ORPHAN/enabled
klpx: disabling patch '$ORPHAN'
klpx: shadow type orphan_state (id $HEX_ID) released by the patches; kept with 1 variable(s) by 1 other registration(s)
klpx: '$ORPHAN': disabled
% grep orphan_state $KLPX_DEBUGFS/shadow_types
| id=$HEX_ID name=orphan_state size=0 refs=1 live=1
% rmmod $ORPHAN
$ORPHAN: exit
% rmmod $SHADOW
$SHADOW: exit: count=1, unregistering
$SHADOW: exit: dtor obj0=0
$SHADOW: exit: ctor calls=0, dtor calls=1
% grep orphan_state $KLPX_DEBUGFS/shadow_types
% rmmod $TARGET"

exit 0
