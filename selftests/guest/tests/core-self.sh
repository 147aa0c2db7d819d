#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The task that asks for a switch, on the paths that lead to a switch: a
# patch of the module-load path enables from its own init, which runs
# inside do_one_initcall(): the enable succeeds with the step left to the
# insmod's return to user mode, taken there by itself.  A patch of the
# sysfs write path is disabled by a write to its own "enabled" file: the
# replacement tail-calls the store, so the writer has left it and the
# disable is immediate; the module can be removed once the writer has left.

. "$(dirname "$0")/../functions.sh"

LOAD=klpx_test_core_self_load
SYSFS=klpx_test_core_self_sysfs
TARGET=klpx_target
# The line naming the asking task (its pid varies) is checked apart.
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: [^(]*$|insmod: |rmmod: |sh: )'
ASKS='asks for the switch from inside'

setup_test

# - the insmod of $LOAD runs inside do_one_initcall(), which its init
#   patches: the enable succeeds, the step is taken at its return
# - the next module's init runs through the replacement (calls: 1)
# - disabled, the next init does not (calls stays 1)
start_test "a patch of the module-load path, enabled from its own init"

load_mod $LOAD
show /sys/module/$LOAD/parameters/calls
load_mod $TARGET
show /sys/module/$LOAD/parameters/calls
write_file 0 $KLPX_SYSFS/$LOAD/enabled || die "cannot disable $LOAD"
unload_mod $TARGET
load_mod $TARGET
show /sys/module/$LOAD/parameters/calls
unload_mod $TARGET
unload_mod $LOAD

assert_log "^klpx: '$LOAD': [^ ]+ \(pid [0-9]+\) $ASKS do_one_initcall: the switch waits for its return to user mode$"
check_result "% insmod $LOAD.ko
klpx: enabling patch '$LOAD'
klpx: '$LOAD': enabled
% cat /sys/module/$LOAD/parameters/calls
| 0
% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% cat /sys/module/$LOAD/parameters/calls
| 1
% echo 0 > $KLPX_SYSFS/$LOAD/enabled
klpx: disabling patch '$LOAD'
klpx: '$LOAD': disabled
% rmmod $TARGET
% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% cat /sys/module/$LOAD/parameters/calls
| 1
% rmmod $TARGET
% rmmod $LOAD"

# - every sysfs write goes through $SYSFS's replacement of
#   sysfs_kf_write(), the write of 0 to its own "enabled" file too: the
#   disable succeeds at once (the replacement tail-calls the store: no
#   frame of it is left on the writer's stack)
# - the module can be removed once the writer has returned
start_test "a patch of the sysfs write path, disabled through its own file"

load_mod $SYSFS
write_file 0 $KLPX_SYSFS/$SYSFS/enabled || die "cannot disable $SYSFS"
show /sys/module/$SYSFS/parameters/calls
show_ls $KLPX_SYSFS
unload_mod $SYSFS

check_result "% insmod $SYSFS.ko
klpx: enabling patch '$SYSFS'
klpx: '$SYSFS': enabled
% echo 0 > $KLPX_SYSFS/$SYSFS/enabled
klpx: disabling patch '$SYSFS'
klpx: '$SYSFS': disabled
% cat /sys/module/$SYSFS/parameters/calls
| 1
% ls $KLPX_SYSFS
% rmmod $SYSFS"
