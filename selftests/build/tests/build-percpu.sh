#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# patches/percpu.patch changes proc_nr_inodes(), which sums the per-CPU
# statics nr_inodes and nr_unused of fs/inode.c (through the inlined
# get_nr_inodes*()).  The patched function reads the running kernel's
# counters, not zeroed copies of its own.

. "$(dirname "$0")/../functions.sh"
. "$(dirname "$0")/../helpers.sh"

PATCH=build_percpu
setup_test

# - /proc/sys/fs/inode-nr counts the inodes the kernel has
# - patched, a read logs the fix's line and counts about as many (a copy
#   of the counters would count none)
# - disabled and removed, a read logs nothing
start_test "per-CPU statics of a changed function are the original's"

before=$(cut -f1 /proc/sys/fs/inode-nr)
patch_on $PATCH
read -r patched unused </proc/sys/fs/inode-nr
[ "$patched" -gt 0 ] && [ "$unused" -le "$patched" ] ||
	die "patched inode-nr counts $patched inodes, $unused unused"
[ $((patched * 10)) -ge $((before * 9)) ] &&
[ $((patched * 10)) -le $((before * 11)) ] ||
	die "patched inode-nr counts $patched inodes, $before before"
patch_off $PATCH
cat /proc/sys/fs/inode-nr >/dev/null
assert_eq "lines of the fix" 1 \
	"$(count_log 'klpx-build: inode-nr read')"

check_result "$(on_lines $PATCH)
klpx-build: inode-nr read
$(off_lines $PATCH)"
