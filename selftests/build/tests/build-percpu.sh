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
TRANSCRIPT='^(% |klpx: |insmod: |rmmod: |sh: )'
setup_test

# - /proc/sys/fs/inode-nr counts the inodes the kernel has
# - patched, a read runs the fix (it logs a line) and counts about as many
#   (a copy of the counters would count none)
# - disabled and removed, a read no longer runs the fix
start_test "per-CPU statics of a changed function are the original's"

before=$(cut -f1 /proc/sys/fs/inode-nr)
patch_on $PATCH
# one read: a sysctl file answers a second read at an offset with nothing
# (so a shell's "read", byte by byte, would see its first digit only)
set -- $(cat /proc/sys/fs/inode-nr)
patched=$1 unused=$2
[ "$patched" -gt 0 ] && [ "$unused" -le "$patched" ] ||
	die "patched inode-nr counts $patched inodes, $unused unused"
[ $((patched * 10)) -ge $((before * 9)) ] &&
[ $((patched * 10)) -le $((before * 11)) ] ||
	die "patched inode-nr counts $patched inodes, $before before"
# the handler runs once per read() call, a cat makes two (the second
# one finds the end): the fix's lines are counted, not listed
reads=$(count_log 'klpx-build: inode-nr read')
[ "$reads" -ge 1 ] || die "the fixed proc_nr_inodes() did not run"
patch_off $PATCH
cat /proc/sys/fs/inode-nr >/dev/null
assert_eq "lines of the fix after its removal" "$reads" \
	"$(count_log 'klpx-build: inode-nr read')"

check_result "$(on_lines $PATCH)
$(off_lines $PATCH)"
