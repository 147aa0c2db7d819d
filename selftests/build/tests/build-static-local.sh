#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# patches/static_local.patch changes drop_caches_sysctl_handler(), whose
# function-local "static int stfu" silences its message once 4 has been
# written.  The patched function uses the original's stfu, not a copy of
# its own: once silenced, it stays silent.

. "$(dirname "$0")/../functions.sh"

PATCH=build_static_local
TRANSCRIPT='^(% |klpx[a-z0-9_-]*: |insmod: |rmmod: |sh: )'
setup_test

# - writing 4 logs the original message once and sets stfu
# - patched, a write logs the fix's new line but not its changed message:
#   stfu is the one the original set
# - disabled and removed, a write logs nothing
start_test "a static local of a changed function stays the original's"

write_file 4 /proc/sys/vm/drop_caches
load_mod $PATCH
write_file 4 /proc/sys/vm/drop_caches
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
write_file 4 /proc/sys/vm/drop_caches
# "<comm> (<pid>): drop_caches: 4": once, from the original
assert_eq "messages of the original" 1 \
	"$(log_since_start | grep -c '): drop_caches: 4$')"
assert_eq "messages of the fix's changed line" 0 \
	"$(log_since_start | grep -c 'drop_caches (klpx-build)')"

check_result "% echo 4 > /proc/sys/vm/drop_caches
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
klpx: '$PATCH': enabled
% echo 4 > /proc/sys/vm/drop_caches
klpx-build: drop_caches written
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
klpx: '$PATCH': disabled
% rmmod $PATCH
% echo 4 > /proc/sys/vm/drop_caches"
