#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A module enables one patch at a time, and shows as [permanent] while it
# is enabled.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
P1=klpx_test_core_stack1
ORPHAN=klpx_test_core_orphan
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# show(path) - cat path into the transcript, each line as "| line"
show() {
	log "% cat $1"
	cat "$1" | while IFS= read -r l; do log "| $l"; done
}

# show_ls(dir) - the entries of dir into the transcript
show_ls() {
	log "% ls $1"
	ls "$1" | while IFS= read -r l; do log "| $l"; done
}

# show_types() - the debugfs lines of the shadow types of these patches
show_types() {
	log "% grep -E 'stack_state|orphan_state' $KLPX_DEBUGFS/shadow_types"
	grep -E "name=(stack_state|orphan_state) " $KLPX_DEBUGFS/shadow_types |
		while IFS= read -r l; do log "| $l"; done
}

# show_module(name) - name, references and state of a module in /proc/modules
show_module() {
	log "% grep $1 /proc/modules"
	grep "^$1 " /proc/modules | cut -d' ' -f1,3,4 |
		while IFS= read -r l; do log "| $l"; done
}

# hooks() - the klpx_target functions ftrace hooks, one line
hooks() {
	grep -oE '^klpx_target_[a-z_]* ' /sys/kernel/tracing/enabled_functions |
		tr -d ' ' | tr '\n' ' ' | sed 's/ $//'
}

setup_test

# - a second klpx_enable_patch() from a module whose patch is enabled
#   fails with -EINVAL; the first patch stays enabled
# - while its patch is enabled the module is listed as [permanent] and
#   rmmod fails with EBUSY
# - once disabled it is an ordinary module again: its exit runs at rmmod

start_test "one enabled patch per module, [permanent] while enabled"

load_mod $TARGET
load_mod $ORPHAN second=1
show $KLPX_SYSFS/$ORPHAN/enabled
show_module $ORPHAN
unload_failing_mod $ORPHAN "Device or resource busy"
write_file 0 $KLPX_SYSFS/$ORPHAN/enabled || die "cannot disable $ORPHAN"
show_module $ORPHAN
unload_mod $ORPHAN
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $ORPHAN.ko second=1
klpx: enabling patch '$ORPHAN'
klpx: '$ORPHAN': enabled
klpx: '$ORPHAN': the module already has an enabled patch; a module enables one patch at a time
$ORPHAN: second patch: -22
% cat $KLPX_SYSFS/$ORPHAN/enabled
| 1
% grep $ORPHAN /proc/modules
| $ORPHAN 1 [permanent],
% rmmod $ORPHAN
rmmod: can't unload module '$ORPHAN': Device or resource busy
% echo 0 > $KLPX_SYSFS/$ORPHAN/enabled
klpx: disabling patch '$ORPHAN'
klpx: shadow type orphan_state (id 1802502208) dropped: garbage-collecting 1 variable(s)
$ORPHAN: orphan_state dtor
klpx: '$ORPHAN': disabled
% grep $ORPHAN /proc/modules
| $ORPHAN 0 -
% rmmod $ORPHAN
$ORPHAN: exit
% rmmod $TARGET"

exit 0
