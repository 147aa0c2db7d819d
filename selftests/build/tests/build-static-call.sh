#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# patches/static_call.patch: the changed show_stat() calls the static
# get_iowait_time() of its file, reached through KLPX_SYMBOLS.

. "$(dirname "$0")/../functions.sh"
. "$(dirname "$0")/../helpers.sh"

PATCH=build_static_call
setup_test

# - /proc/stat has no klpx_build_iowait line before the patch
# - patched, it has one, with a number from get_iowait_time()
# - disabled and removed, the line is gone
start_test "a changed function calls a static function of its file"

assert_eq "iowait lines before" 0 "$(grep -c '^klpx_build_iowait ' /proc/stat)"
patch_on $PATCH
assert_eq "iowait lines while patched" 1 "$(grep -cE '^klpx_build_iowait [0-9]+$' /proc/stat)"
patch_off $PATCH
assert_eq "iowait lines after" 0 "$(grep -c '^klpx_build_iowait ' /proc/stat)"

check_result "$(on_lines $PATCH)
$(off_lines $PATCH)"
