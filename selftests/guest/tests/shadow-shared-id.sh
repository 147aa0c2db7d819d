#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Two modules declaring the same shadow id share its variables, the way two
# versions of a cumulative patch do.

. "$(dirname "$0")/../functions.sh"

MOD=klpx_test_shadow
PEER=klpx_test_shadow_peer
CTL=/sys/kernel/debug/$MOD/ctl
PCTL=/sys/kernel/debug/$PEER/ctl
TRANSCRIPT='^(% |klpx_test[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test


# - a variable created through the first module is the one the second
#   finds; get_or_alloc through the second does not run the ctor again
# - a variable created through the second is seen through the first
# - unloading the first module keeps every variable: no dtor runs
# - unloading the last module frees them all, each with its dtor, once
# - loading again starts empty: no stale variable survives

start_test "two modules with the same id share variables until the last goes"

load_mod $MOD
ctl $MOD alloc 1 10
load_mod $PEER
ctl $PEER get 1
ctl $PEER get_or_alloc 1 99
ctl $PEER alloc 2 20
ctl $MOD get 2
ctl $MOD count
unload_mod $MOD
ctl $PEER get 1
ctl $PEER count
unload_mod $PEER
load_mod $MOD
ctl $MOD get 1
ctl $MOD get 2
unload_mod $MOD

check_result "% insmod $MOD.ko
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo alloc 1 10 > $CTL
$MOD: ctor obj1: value=10
$MOD: alloc obj1 = var1 value=10
% insmod $PEER.ko
$PEER: register klpx_test_var id=0x6b6c7078 size=16: count=1
% echo get 1 > $PCTL
$PEER: get obj1 = var1 value=10
% echo get_or_alloc 1 99 > $PCTL
$PEER: get_or_alloc obj1 = var1 value=10
% echo alloc 2 20 > $PCTL
$PEER: ctor obj2: value=20
$PEER: alloc obj2 = var2 value=20
% echo get 2 > $CTL
$MOD: get obj2 = var2 value=20
% echo count > $CTL
$MOD: count = 2
% rmmod $MOD
$MOD: exit: count=2, unregistering
$MOD: exit: ctor calls=1, dtor calls=0
% echo get 1 > $PCTL
$PEER: get obj1 = var1 value=10
% echo count > $PCTL
$PEER: count = 2
% rmmod $PEER
$PEER: exit: count=2, unregistering
$PEER: exit: dtor obj1=10 obj2=20
$PEER: exit: ctor calls=1, dtor calls=2
% insmod $MOD.ko
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo get 1 > $CTL
$MOD: get obj1 = NULL
% echo get 2 > $CTL
$MOD: get obj2 = NULL
% rmmod $MOD
$MOD: exit: count=0, unregistering
$MOD: exit: ctor calls=0, dtor calls=0"

exit 0
