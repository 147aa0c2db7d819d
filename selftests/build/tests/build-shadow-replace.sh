#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# patches/shadow_add.patch defines a struct klpx_shadow_type in the fixed
# file and counts /proc/version reads in a shadow variable; the generated
# module registers the type on vmlinux.  patches/shadow_drop.patch, built
# with --replace, is the cumulative fix that drops it: the replace
# garbage-collects the variable with the first fix's dtor.

. "$(dirname "$0")/../functions.sh"
. "$(dirname "$0")/../helpers.sh"

ADD=build_shadow_add
DROP=build_shadow_drop
# klpx's garbage-collection line is checked on its own (assert_log)
TRANSCRIPT='^(% |[|] |klpx: [^s]|klpx-build: |insmod: |rmmod: |sh: )'
setup_test

# - the first fix registers version_reads and counts each read
# - the replace takes over version_proc_show, the type has no registration
#   left and its one variable is destroyed by the dtor, which logs the count
# - the second fix prints its own line; disabled, the original is back
start_test "a fix's shadow type is registered, then collected by a replace"

load_mod $ADD
grep 'klpx-build:' /proc/version | sed 's/^/| /' | while read -r l; do log "$l"; done
grep 'klpx-build:' /proc/version | sed 's/^/| /' | while read -r l; do log "$l"; done
log "% grep version_reads $KLPX_DEBUGFS/shadow_types"
log "| $(grep -o 'name=version_reads size=4 refs=1 live=1' $KLPX_DEBUGFS/shadow_types)"
load_mod $DROP
grep 'klpx-build:' /proc/version | sed 's/^/| /' | while read -r l; do log "$l"; done
grep -q version_reads $KLPX_DEBUGFS/shadow_types &&
	die "version_reads is still registered after the replace"
assert_log "shadow type version_reads .*dropped: garbage-collecting 1 variable"
unload_mod $ADD
write_file 0 $KLPX_SYSFS/$DROP/enabled || die "cannot disable $DROP"
unload_mod $DROP
assert_eq "lines of the fixes after" 0 "$(grep -c 'klpx-build' /proc/version)"

check_result "% insmod $ADD.ko
klpx: enabling patch '$ADD'
klpx: '$ADD': enabled
| klpx-build: read 1 times
| klpx-build: read 2 times
% grep version_reads $KLPX_DEBUGFS/shadow_types
| name=version_reads size=4 refs=1 live=1
% insmod $DROP.ko
klpx: enabling patch '$DROP'
klpx: '$ADD': replaced by '$DROP'
klpx: '$DROP': enabled
klpx-build: version_reads destroyed after 2 reads
| klpx-build: no more counting
% rmmod $ADD
% echo 0 > $KLPX_SYSFS/$DROP/enabled
klpx: disabling patch '$DROP'
klpx: '$DROP': disabled
% rmmod $DROP"
