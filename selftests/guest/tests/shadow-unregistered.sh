#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Shadow calls on a type whose id is not registered are refused without a
# crash; unregistering drops the variables for good.

. "$(dirname "$0")/../functions.sh"

MOD=klpx_test_shadow
CTL=/sys/kernel/debug/$MOD/ctl
TRANSCRIPT='^(% |klpx_test[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test


# - never registered: alloc, get_or_alloc and get return NULL, count is 0,
#   free and free_all do nothing, the ctor never runs
# - registered, one variable, then unregistered: the dtor runs on it and
#   the calls are refused again
# - registered again: it starts empty

start_test "calls on an unregistered type are refused"

load_mod $MOD register_type=0
ctl $MOD alloc 1 10
ctl $MOD get_or_alloc 1 10
ctl $MOD get 1
ctl $MOD free 1
ctl $MOD free_all
ctl $MOD count
ctl $MOD register
ctl $MOD alloc 1 10
ctl $MOD unregister
ctl $MOD get 1
ctl $MOD alloc 2 20
ctl $MOD count
ctl $MOD register
ctl $MOD get 1
ctl $MOD count
unload_mod $MOD

check_result "% insmod $MOD.ko register_type=0
% echo alloc 1 10 > $CTL
$MOD: alloc obj1 = NULL
% echo get_or_alloc 1 10 > $CTL
$MOD: get_or_alloc obj1 = NULL
% echo get 1 > $CTL
$MOD: get obj1 = NULL
% echo free 1 > $CTL
$MOD: free obj1
% echo free_all > $CTL
$MOD: free_all
% echo count > $CTL
$MOD: count = 0
% echo register > $CTL
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo alloc 1 10 > $CTL
$MOD: ctor obj1: value=10
$MOD: alloc obj1 = var1 value=10
% echo unregister > $CTL
$MOD: unregister klpx_test_var id=0x6b6c7078
$MOD: unregister: dtor obj1=10
% echo get 1 > $CTL
$MOD: get obj1 = NULL
% echo alloc 2 20 > $CTL
$MOD: alloc obj2 = NULL
% echo count > $CTL
$MOD: count = 0
% echo register > $CTL
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo get 1 > $CTL
$MOD: get obj1 = NULL
% echo count > $CTL
$MOD: count = 0
% rmmod $MOD
$MOD: exit: count=0, unregistering
$MOD: exit: ctor calls=1, dtor calls=1"


# - klpx says which type was not registered: its error is rate-limited
#   (an earlier test may have used up the burst), so keep asking

start_test "the error names the unregistered type"

load_mod $MOD register_type=0
loop_until 'echo get 1 >$CTL;
	log_since_start | grep -qE "^klpx: .*klpx_test_var.*not registered"' ||
	die "klpx never logged that klpx_test_var is not registered"
unload_mod $MOD
echo "ok"


# - unregistering a type that is not registered WARNs (once per boot) and
#   does nothing else: the module still works and unloads cleanly

start_test "unregistering an unregistered type warns and changes nothing"

load_mod $MOD register_type=0
expect_warning_begin "unregister of an unregistered type"
ctl $MOD unregister
expect_warning_end "WARNING: .*klpx_shadow_unregister"
ctl $MOD register
ctl $MOD alloc 1 10
ctl $MOD count
unload_mod $MOD

check_result "% insmod $MOD.ko register_type=0
% echo unregister > $CTL
$MOD: unregister klpx_test_var id=0x6b6c7078
% echo register > $CTL
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo alloc 1 10 > $CTL
$MOD: ctor obj1: value=10
$MOD: alloc obj1 = var1 value=10
% echo count > $CTL
$MOD: count = 1
% rmmod $MOD
$MOD: exit: count=1, unregistering
$MOD: exit: dtor obj1=10
$MOD: exit: ctor calls=1, dtor calls=1"

exit 0
