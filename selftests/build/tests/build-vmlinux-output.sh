#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A module klpx-build made from patches/proc_version.patch changes what
# the vmlinux function version_proc_show() prints.

. "$(dirname "$0")/../functions.sh"
. "$(dirname "$0")/../helpers.sh"

PATCH=build_proc_version
setup_test

# - before the patch /proc/version has no "klpx-build: patched" line
# - the generated module enables its patch: the line is there
# - disabled and removed, /proc/version is as before
start_test "a generated patch changes the output of a vmlinux function"

assert_eq "lines of the fix before" 0 "$(grep -c 'klpx-build: patched' /proc/version)"
patch_on $PATCH
assert_eq "lines of the fix while patched" 1 "$(grep -c 'klpx-build: patched' /proc/version)"
patch_off $PATCH
assert_eq "lines of the fix after" 0 "$(grep -c 'klpx-build: patched' /proc/version)"

check_result "$(on_lines $PATCH)
$(off_lines $PATCH)"
