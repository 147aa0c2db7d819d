#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The shadow variable API, called from a module in the Debian kernel.

. "$(dirname "$0")/../functions.sh"

MOD=klpx_test_shadow
CTL=/sys/kernel/debug/$MOD/ctl
TRANSCRIPT='^(% |klpx_test[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test


# - alloc runs the ctor once, before the variable is visible, and returns
#   the variable holding what the ctor stored
# - get returns that same variable; get of an object without one is NULL
# - get_or_alloc returns the existing variable without running the ctor,
#   and creates one (ctor once) for a new object; NULL is an object too
# - a failing ctor leaves nothing behind
# - free runs the dtor once and the variable is gone; freeing it again
#   does nothing
# - get_or_alloc with GFP_ATOMIC works with IRQs off
# - free_all runs the dtor once per variable; count follows all along

start_test "alloc, get, get_or_alloc, free, free_all and count"

load_mod $MOD
ctl $MOD alloc 1 100
ctl $MOD get 1
ctl $MOD get 2
ctl $MOD get_or_alloc 1 999
ctl $MOD get_or_alloc 2 200
ctl $MOD get_or_alloc 0 7
ctl $MOD count
ctl $MOD alloc_fail 4
ctl $MOD get 4
ctl $MOD count
ctl $MOD free 2
ctl $MOD get 2
ctl $MOD free 2
ctl $MOD count
ctl $MOD atomic 5 500
ctl $MOD count
ctl $MOD free_all
ctl $MOD count
ctl $MOD get 1
unload_mod $MOD

check_result "% insmod $MOD.ko
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo alloc 1 100 > $CTL
$MOD: ctor obj1: value=100
$MOD: alloc obj1 = var1 value=100
% echo get 1 > $CTL
$MOD: get obj1 = var1 value=100
% echo get 2 > $CTL
$MOD: get obj2 = NULL
% echo get_or_alloc 1 999 > $CTL
$MOD: get_or_alloc obj1 = var1 value=100
% echo get_or_alloc 2 200 > $CTL
$MOD: ctor obj2: value=200
$MOD: get_or_alloc obj2 = var2 value=200
% echo get_or_alloc 0 7 > $CTL
$MOD: ctor obj0: value=7
$MOD: get_or_alloc obj0 = var3 value=7
% echo count > $CTL
$MOD: count = 3
% echo alloc_fail 4 > $CTL
$MOD: ctor obj4: failing with -5
$MOD: alloc obj4 = NULL
% echo get 4 > $CTL
$MOD: get obj4 = NULL
% echo count > $CTL
$MOD: count = 3
% echo free 2 > $CTL
$MOD: free obj2
$MOD: free: dtor obj2=200
% echo get 2 > $CTL
$MOD: get obj2 = NULL
% echo free 2 > $CTL
$MOD: free obj2
% echo count > $CTL
$MOD: count = 2
% echo atomic 5 500 > $CTL
$MOD: ctor obj5: value=500
$MOD: atomic get_or_alloc obj5 = var4 value=500
$MOD: atomic get obj5: same variable
% echo count > $CTL
$MOD: count = 3
% echo free_all > $CTL
$MOD: free_all
$MOD: free_all: dtor obj0=7 obj1=100 obj5=500
% echo count > $CTL
$MOD: count = 0
% echo get 1 > $CTL
$MOD: get obj1 = NULL
% rmmod $MOD
$MOD: exit: count=0, unregistering
$MOD: exit: ctor calls=5, dtor calls=4"


# - alloc of an <object, id> that already has a variable WARNs and returns
#   NULL; the existing variable is untouched and the ctor does not run

start_test "alloc of an existing variable is refused with a warning"

load_mod $MOD
ctl $MOD alloc 1 100
expect_warning_begin "alloc of an existing variable"
ctl $MOD alloc 1 555
expect_warning_end "WARNING: .*klpx_shadow"
ctl $MOD get 1
ctl $MOD count
unload_mod $MOD

check_result "% insmod $MOD.ko
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo alloc 1 100 > $CTL
$MOD: ctor obj1: value=100
$MOD: alloc obj1 = var1 value=100
% echo alloc 1 555 > $CTL
$MOD: alloc obj1 = NULL
% echo get 1 > $CTL
$MOD: get obj1 = var1 value=100
% echo count > $CTL
$MOD: count = 1
% rmmod $MOD
$MOD: exit: count=1, unregistering
$MOD: exit: dtor obj1=100
$MOD: exit: ctor calls=1, dtor calls=1"


# - registering the very struct that is already registered is refused with
#   -EINVAL and changes nothing: one registration, so unloading runs the GC

start_test "registering a registered type again is refused"

load_mod $MOD
ctl $MOD alloc 1 100
ctl $MOD register
ctl $MOD count
unload_mod $MOD

check_result "% insmod $MOD.ko
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo alloc 1 100 > $CTL
$MOD: ctor obj1: value=100
$MOD: alloc obj1 = var1 value=100
% echo register > $CTL
$MOD: register klpx_test_var id=0x6b6c7078 size=16: error -22
% echo count > $CTL
$MOD: count = 1
% rmmod $MOD
$MOD: exit: count=1, unregistering
$MOD: exit: dtor obj1=100
$MOD: exit: ctor calls=1, dtor calls=1"


# - a type may have no data (size 0): its variables still exist, are found
#   again, counted, and destroyed with the dtor

start_test "a type of size 0 marks objects"

load_mod $MOD id=0x6b6c7000 size=0
ctl $MOD alloc 1 0
ctl $MOD get 1
ctl $MOD get_or_alloc 1 0
ctl $MOD count
ctl $MOD free 1
ctl $MOD count
unload_mod $MOD

check_result "% insmod $MOD.ko id=0x6b6c7000 size=0
$MOD: register klpx_test_var id=0x6b6c7000 size=0: count=0
% echo alloc 1 0 > $CTL
$MOD: ctor obj1: no data
$MOD: alloc obj1 = var1
% echo get 1 > $CTL
$MOD: get obj1 = var1
% echo get_or_alloc 1 0 > $CTL
$MOD: get_or_alloc obj1 = var1
% echo count > $CTL
$MOD: count = 1
% echo free 1 > $CTL
$MOD: free obj1
$MOD: free: dtor obj1=0
% echo count > $CTL
$MOD: count = 0
% rmmod $MOD
$MOD: exit: count=0, unregistering
$MOD: exit: ctor calls=1, dtor calls=1"

exit 0
