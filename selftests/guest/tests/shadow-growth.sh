#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A module's init creates 10^5 shadow variables in a loop that never
# yields its CPU: the id's table must keep up without the loop's help, so
# that no creation costs O(n) and the kernel reports no soft lockup.

. "$(dirname "$0")/../functions.sh"

MOD=klpx_test_shadow_growth
TRANSCRIPT='^(% |klpx_test[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test

# - the init creates a variable for each of 10^5 objects with
#   get_or_alloc(GFP_KERNEL), pinned to its CPU, never calling
#   cond_resched(); it fails the load if that took a minute or more
# - every variable is then found with what its creation wrote
# - free_all empties the id
# - the runner fails the tier on any soft lockup, RCU stall or warning

start_test "10^5 creations in a loop that never yields"

load_mod $MOD
unload_mod $MOD

check_result "% insmod $MOD.ko
$MOD: 100000 creations in a loop that never yields: every variable found
$MOD: count=100000
$MOD: count after free_all=0
% rmmod $MOD"

exit 0
