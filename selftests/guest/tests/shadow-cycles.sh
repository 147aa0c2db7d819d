#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Loading and unloading a module that fills a shadow type, again and
# again, leaves nothing behind.

. "$(dirname "$0")/../functions.sh"

MOD=klpx_test_shadow
CTL=/sys/kernel/debug/$MOD/ctl
TRANSCRIPT='^(% |klpx_test[a-z0-9_]*: |insmod: |rmmod: |sh: )'
CYCLES=20
VARS=5000
# The variables' cache, named by object size: a 32-byte header and 16
# bytes of data (the guest boots with slab_nomerge; no other id of that
# size is registered meanwhile).
CACHE=klpx_shadow_48

setup_test

# slab_bytes() - bytes in use in the caches klpx allocates from (kmalloc
# and its own), from /proc/slabinfo
slab_bytes() {
	awk 'NR > 2 && $1 ~ /^(kmalloc-|klpx)/ { sum += $2 * $4 }
	     END { printf "%d\n", sum }' /proc/slabinfo
}

# slab_growth(before, after) - the five caches that grew most, in bytes
slab_growth() {
	awk 'FNR <= 2 { next }
	     NR == FNR { b[$1] = $2 * $4; next }
	     { d = $2 * $4 - b[$1]; if (d > 0) print d, $1 }' "$1" "$2" |
		sort -rn | head -n 5 | sed 's/^/  grew /'
}

# cache_objs(name) - objects in use in slab cache name, or "none"
cache_objs() {
	awk -v c="$1" '$1 == c { n = $2 } END { print (n == "" ? "none" : n) }' \
		/proc/slabinfo
}

# cache_objsize(name) - bytes per object of slab cache name
cache_objsize() {
	awk -v c="$1" '$1 == c { print $4 }' /proc/slabinfo
}

# one_cycle() - load, fill $VARS variables, check them, unload
one_cycle() {
	load_mod $MOD
	ctl $MOD fill 1000 $((1000 + VARS))
	ctl $MOD verify 1000 $((1000 + VARS))
	in_use=$(cache_objs $CACHE)
	objsize=$(cache_objsize $CACHE)
	unload_mod $MOD
}


# - every cycle starts with an empty id (count=0 at registration), holds
#   $VARS variables, and its unload runs the dtor on each of them
# - while loaded, the variables sit in their own slab cache; after the
#   last cycle that cache is gone
# - kmalloc memory in use after $CYCLES cycles is what it was after the
#   first one, give or take less than one cycle's worth of variables

# One cycle first: caches, sysfs and debugfs reach their steady state.
one_cycle
[ "$in_use" != none ] && [ "$in_use" -ge $VARS ] ||
	die "$CACHE holds $in_use objects with $VARS variables live"
echo "$CACHE: $in_use objects of $objsize bytes in use with $VARS variables live"
before=$(slab_bytes)
cat /proc/slabinfo >/tmp/slabinfo.before

start_test "$CYCLES load/unload cycles of $VARS variables leave nothing behind"

i=0
while [ $i -lt $CYCLES ]; do
	one_cycle
	i=$((i + 1))
done

after=$(slab_bytes)
cat /proc/slabinfo >/tmp/slabinfo.after
slab_growth /tmp/slabinfo.before /tmp/slabinfo.after
assert_eq "$CACHE after the last unload" none "$(cache_objs $CACHE)"
grep -q "id=0x6b6c7078 " "$KLPX_DEBUGFS/shadow_types" 2>/dev/null &&
	die "the id is still listed in $KLPX_DEBUGFS/shadow_types"

growth=$((after - before))
leak=$((VARS * objsize))
echo "kmalloc and klpx slab memory in use: $before bytes after one cycle, $after after $((CYCLES + 1)) ($growth)"
[ $growth -lt $leak ] ||
	die "slab memory grew by $growth bytes over $CYCLES cycles (one cycle's variables: $leak)"

expect=""
i=0
while [ $i -lt $CYCLES ]; do
	expect="$expect${expect:+
}% insmod $MOD.ko
$MOD: register klpx_test_var id=0x6b6c7078 size=16: count=0
% echo fill 1000 $((1000 + VARS)) > $CTL
$MOD: fill obj1000..obj$((999 + VARS)): $VARS allocated, count=$VARS
% echo verify 1000 $((1000 + VARS)) > $CTL
$MOD: verify obj1000..obj$((999 + VARS)): $VARS found, 0 wrong
% rmmod $MOD
$MOD: exit: count=$VARS, unregistering
$MOD: exit: ctor calls=$VARS, dtor calls=$VARS"
	i=$((i + 1))
done
check_result "$expect"

exit 0
