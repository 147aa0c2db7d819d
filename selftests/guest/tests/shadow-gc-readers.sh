#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Garbage collection of an id while lockless readers are looking its
# variables up.

. "$(dirname "$0")/../functions.sh"

MOD=klpx_test_shadow
CTL=/sys/kernel/debug/$MOD/ctl
TRANSCRIPT='^(% |klpx_test[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test

# counter(name) - one of the readers' counters (hits, misses, wrong)
counter() {
	sed -n "s/.*$1=\([0-9]*\).*/\1/p" $CTL
}


# - two reader threads look up 2000 variables over and over, each under
#   rcu_read_lock(), and check that what they find holds its own number
# - while they do, the last registration of the id goes: the dtor runs on
#   every variable and the memory is freed
# - readers that found a variable before it went still read its value,
#   not freed memory (make check boots with klpx's slab caches poisoned);
#   after the GC they find nothing

start_test "collecting an id under lockless readers"

load_mod $MOD
ctl $MOD fill 1000 3000
ctl $MOD readers 1000 3000 2
loop_until '[ "$(counter hits)" -gt 0 ]' || die "the readers find nothing"
ctl $MOD unregister
misses=$(counter misses)
loop_until '[ "$(counter misses)" -gt $misses ]' ||
	die "the readers still find variables after the GC"
ctl $MOD readers_stop
echo "readers: $(cat $CTL)"
unload_mod $MOD

check_result "% insmod $MOD.ko
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo fill 1000 3000 > $CTL
$MOD: fill obj1000..obj2999: 2000 allocated, count=2000
% echo readers 1000 3000 2 > $CTL
$MOD: readers of obj1000..obj2999: 2 started
% echo unregister > $CTL
$MOD: unregister klpx_test_var id=0x6b6c7078
% echo readers_stop > $CTL
$MOD: readers stopped: 0 wrong values
% rmmod $MOD
$MOD: exit: ctor calls=2000, dtor calls=2000"

exit 0
