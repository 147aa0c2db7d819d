#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Threads racing to create the same shadow variables, on two CPUs.

. "$(dirname "$0")/../functions.sh"

MOD=klpx_test_shadow
CTL=/sys/kernel/debug/$MOD/ctl
TRANSCRIPT='^(% |klpx_test[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test
[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"


# - four threads call get_or_alloc on the same 5000 objects, in the same
#   order, at the same time: each object gets one variable, the ctor runs
#   once per object, every thread gets the same variable back
# - racing again on existing variables runs no ctor at all
# - free_all runs the dtor once per variable

start_test "racing get_or_alloc creates one variable per object"

load_mod $MOD
ctl $MOD race 1000 6000 4
ctl $MOD verify 1000 6000
ctl $MOD race 1000 6000 4
ctl $MOD free_all
ctl $MOD count
unload_mod $MOD

check_result "% insmod $MOD.ko
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo race 1000 6000 4 > $CTL
$MOD: race obj1000..obj5999, 4 threads: ctor calls=5000, NULL=0, different variables=0, count=5000
% echo verify 1000 6000 > $CTL
$MOD: verify obj1000..obj5999: 5000 found, 0 wrong
% echo race 1000 6000 4 > $CTL
$MOD: race obj1000..obj5999, 4 threads: ctor calls=0, NULL=0, different variables=0, count=5000
% echo free_all > $CTL
$MOD: free_all
% echo count > $CTL
$MOD: count = 0
% rmmod $MOD
$MOD: exit: count=0, unregistering
$MOD: exit: ctor calls=5000, dtor calls=5000"

exit 0
