#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# patches/once.patch changes __set_oom_adj(), whose pr_warn_once() keeps
# its "warned" flag in a static local gcc names __already_done.N, like
# every pr_*_once and WARN_ONCE of the kernel (one of several dozen of
# that name in vmlinux).  The patched function uses the original's flag,
# found through the running kernel's own code: once warned, it stays
# silent.

. "$(dirname "$0")/../functions.sh"
. "$(dirname "$0")/../helpers.sh"

PATCH=build_once
setup_test
# 6.12 refuses the fix (patches/6.12/build_once.refused): no module
[ -e "$(mod_path $PATCH)" ] ||
	skip "$PATCH.ko is not built for this kernel: klpx-build refuses it"

# - writing /proc/PID/oom_adj warns once that it is deprecated
# - patched, a write logs the fix's new line and no second warning: the
#   flag is the one the original set
# - disabled and removed, a write logs nothing
start_test "a pr_warn_once flag of a changed function stays the original's"

write_file 0 /proc/self/oom_adj
patch_on $PATCH
write_file 0 /proc/self/oom_adj
patch_off $PATCH
write_file 0 /proc/self/oom_adj
assert_eq "deprecation warnings" 1 \
	"$(count_log 'oom_adj is deprecated')"

check_result "% echo 0 > /proc/self/oom_adj
$(on_lines $PATCH)
% echo 0 > /proc/self/oom_adj
klpx-build: oom_adj written
$(off_lines $PATCH)
% echo 0 > /proc/self/oom_adj"
