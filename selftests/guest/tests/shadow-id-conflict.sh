#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A shadow id means one name and one size: a registration that disagrees
# is refused and changes nothing.

. "$(dirname "$0")/../functions.sh"

MOD=klpx_test_shadow
PEER=klpx_test_shadow_peer
CTL=/sys/kernel/debug/$MOD/ctl
PCTL=/sys/kernel/debug/$PEER/ctl
TRANSCRIPT='^(% |klpx_test[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test


# - with the id registered once and holding obj1, registering the same id
#   with another size fails with -EINVAL, and klpx names both types
# - so does the same id under another name
# - nothing changed: obj1 keeps its variable, the count is the same, and
#   the id still has a single registration, so unloading its one module
#   runs the dtor on obj1
# - a new layout under a new id registers next to it, with its own (empty)
#   variables

start_test "an id registered with another size or name is refused"

load_mod $MOD
ctl $MOD alloc 1 10
load_failing_mod $PEER "Invalid argument" size=32
assert_log "^klpx: .*klpx_test_var.*32.*klpx_test_var.*16"
load_failing_mod $PEER "Invalid argument" name=other_var
assert_log "^klpx: .*other_var.*klpx_test_var"
ctl $MOD get 1
ctl $MOD count
load_mod $PEER id=0x6b6c7079 size=32
ctl $PEER get 1
ctl $PEER count
unload_mod $PEER
unload_mod $MOD

check_result "% insmod $MOD.ko
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo alloc 1 10 > $CTL
$MOD: ctor obj1: value=10
$MOD: alloc obj1 = var1 value=10
% insmod $PEER.ko size=32
$PEER: register klpx_test_var id=0x6b6c7078 size=32: error -22
insmod: can't insert '$PEER.ko': Invalid argument
% insmod $PEER.ko name=other_var
$PEER: register other_var id=0x6b6c7078 size=16: error -22
insmod: can't insert '$PEER.ko': Invalid argument
% echo get 1 > $CTL
$MOD: get obj1 = var1 value=10
% echo count > $CTL
$MOD: count = 1
% insmod $PEER.ko id=0x6b6c7079 size=32
$PEER: register klpx_test_var id=0x6b6c7079 size=32: count=0
% echo get 1 > $PCTL
$PEER: get obj1 = NULL
% echo count > $PCTL
$PEER: count = 0
% rmmod $PEER
$PEER: exit: count=0, unregistering
$PEER: exit: ctor calls=0, dtor calls=0
% rmmod $MOD
$MOD: exit: count=1, unregistering
$MOD: exit: dtor obj1=10
$MOD: exit: ctor calls=1, dtor calls=1"

exit 0
