#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# patches/static_local.patch changes drop_caches_sysctl_handler(), whose
# function-local "static int stfu" silences its message once 4 has been
# written.  The patched function uses the original's stfu, not a copy of
# its own: once silenced, it stays silent.

. "$(dirname "$0")/../functions.sh"
. "$(dirname "$0")/../helpers.sh"

PATCH=build_static_local
setup_test

# - writing 4 logs the original message once and sets stfu
# - patched, a write logs the fix's new line but not its changed message:
#   stfu is the one the original set
# - disabled and removed, a write logs nothing
start_test "a static local of a changed function stays the original's"

write_file 4 /proc/sys/vm/drop_caches
patch_on $PATCH
write_file 4 /proc/sys/vm/drop_caches
patch_off $PATCH
write_file 4 /proc/sys/vm/drop_caches
# "<comm> (<pid>): drop_caches: 4": once, from the original
assert_eq "messages of the original" 1 \
	"$(count_log '): drop_caches: 4$')"
assert_eq "messages of the fix's changed line" 0 \
	"$(count_log 'drop_caches (klpx-build)')"

check_result "% echo 4 > /proc/sys/vm/drop_caches
$(on_lines $PATCH)
% echo 4 > /proc/sys/vm/drop_caches
klpx-build: drop_caches written
$(off_lines $PATCH)
% echo 4 > /proc/sys/vm/drop_caches"
