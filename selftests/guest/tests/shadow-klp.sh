#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# klpx shadow variables and the kernel's own klp_shadow_*() (CONFIG_LIVEPATCH)
# used side by side in one module, with the same object and numeric id.

. "$(dirname "$0")/../functions.sh"

MOD=klpx_test_shadow_klp
CTL=/sys/kernel/debug/$MOD/ctl
TRANSCRIPT='^(% |klpx_test[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test
grep -q ' klp_shadow_alloc$' /proc/kallsyms ||
	skip "this kernel has no klp_shadow_alloc (CONFIG_LIVEPATCH=n)"


# - the same <object, numeric id> holds one klpx variable and one kernel
#   shadow variable, each with its own value
# - freeing all of the kernel's variables of that id leaves klpx's alone
# - freeing all of klpx's leaves the kernel's alone
# - unloading the module frees the kernel's variables through its dtor

start_test "klpx and the kernel's shadow variables coexist"

load_mod $MOD
ctl $MOD alloc 1 10
ctl $MOD klp_alloc 1 11
ctl $MOD klp_alloc 2 21
ctl $MOD get 1
ctl $MOD klp_get 1
ctl $MOD klp_free_all
ctl $MOD klp_get 1
ctl $MOD get 1
ctl $MOD klp_alloc 1 12
ctl $MOD free_all
ctl $MOD count
ctl $MOD klp_get 1
unload_mod $MOD

check_result "% insmod $MOD.ko
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo alloc 1 10 > $CTL
$MOD: ctor obj1: value=10
$MOD: alloc obj1 = var1 value=10
% echo klp_alloc 1 11 > $CTL
$MOD: klp_alloc obj1 = value=11
% echo klp_alloc 2 21 > $CTL
$MOD: klp_alloc obj2 = value=21
% echo get 1 > $CTL
$MOD: get obj1 = var1 value=10
% echo klp_get 1 > $CTL
$MOD: klp_get obj1 = value=11
% echo klp_free_all > $CTL
$MOD: klp_free_all
$MOD: klp dtor obj1: value=11
$MOD: klp dtor obj2: value=21
% echo klp_get 1 > $CTL
$MOD: klp_get obj1 = NULL
% echo get 1 > $CTL
$MOD: get obj1 = var1 value=10
% echo klp_alloc 1 12 > $CTL
$MOD: klp_alloc obj1 = value=12
% echo free_all > $CTL
$MOD: free_all
$MOD: free_all: dtor obj1=10
% echo count > $CTL
$MOD: count = 0
% echo klp_get 1 > $CTL
$MOD: klp_get obj1 = value=12
% rmmod $MOD
$MOD: exit: count=0, unregistering
$MOD: klp dtor obj1: value=12
$MOD: exit: ctor calls=1, dtor calls=1"

exit 0
