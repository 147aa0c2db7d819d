#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Registrations no kernel can serve are refused, and big ids are ids like
# any other (the guest boots with slab_nomerge, where two slab caches of
# one name cannot coexist).

. "$(dirname "$0")/../functions.sh"

MOD=klpx_test_shadow
PEER=klpx_test_shadow_peer
CTL=/sys/kernel/debug/$MOD/ctl
PCTL=/sys/kernel/debug/$PEER/ctl
TRANSCRIPT='^(% |klpx_test[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test


# - a shadow type of SIZE_MAX bytes, or of 4 GiB, is refused with -EINVAL
#   and one log line, and leaves nothing registered or locked: the next
#   registration works
# - ids 10^19 and 10^19 + 1, which agree on their first 19 digits, are
#   two ids: both register and each holds its own variable

start_test "absurd sizes are refused; ids above 10^19 do not collide"

load_failing_mod $PEER "Invalid argument" size=18446744073709551615
assert_log "^klpx: .*klpx_test_var.*size 18446744073709551615 is more than any allocation"
load_failing_mod $PEER "Invalid argument" size=4294967296
assert_log "^klpx: .*klpx_test_var.*size 4294967296 is more than any allocation"
load_mod $MOD id=10000000000000000000
load_mod $PEER id=10000000000000000001
ctl $MOD alloc 1 10
ctl $PEER alloc 1 20
ctl $MOD count
ctl $PEER count
unload_mod $PEER
unload_mod $MOD

check_result "% insmod $PEER.ko size=18446744073709551615
$PEER: register klpx_test_var id=0x6b6c7078 size=18446744073709551615: error -22
insmod: can't insert '$PEER.ko': Invalid argument
% insmod $PEER.ko size=4294967296
$PEER: register klpx_test_var id=0x6b6c7078 size=4294967296: error -22
insmod: can't insert '$PEER.ko': Invalid argument
% insmod $MOD.ko id=10000000000000000000
$MOD: register klpx_test_var id=0xPTR size=16: count=0
% insmod $PEER.ko id=10000000000000000001
$PEER: register klpx_test_var id=0xPTR size=16: count=0
% echo alloc 1 10 > $CTL
$MOD: ctor obj1: value=10
$MOD: alloc obj1 = var1 value=10
% echo alloc 1 20 > $PCTL
$PEER: ctor obj1: value=20
$PEER: alloc obj1 = var1 value=20
% echo count > $CTL
$MOD: count = 1
% echo count > $PCTL
$PEER: count = 1
% rmmod $PEER
$PEER: exit: count=1, unregistering
$PEER: exit: dtor obj1=20
$PEER: exit: ctor calls=1, dtor calls=1
% rmmod $MOD
$MOD: exit: count=1, unregistering
$MOD: exit: dtor obj1=10
$MOD: exit: ctor calls=1, dtor calls=1"

exit 0
