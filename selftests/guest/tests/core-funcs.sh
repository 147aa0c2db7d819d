#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /sys/kernel/debug/klpx/funcs names, for every redirected function, the
# patches stacked on it, the one whose code runs first.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
BASIC=klpx_test_core_basic
P1=klpx_test_core_stack1
P2=klpx_test_core_stack2
TRANSCRIPT='^(% |[|] )'

# show_funcs() - the funcs file into the transcript, sorted (its order is
# not part of the interface)
show_funcs() {
	log "% sort $KLPX_DEBUGFS/funcs"
	sort $KLPX_DEBUGFS/funcs | while IFS= read -r l; do log "| $l"; done
}

setup_test
PATHNAME=$(klpx_path)

# - basic patches cmdline_proc_show (vmlinux) and klpx_target_greeting
# - stack1 then patches klpx_target_version; stack2, on top, patches
#   klpx_target_version and klpx_target_greeting
# - each function's line lists its patches newest first, and the path
#   calls take (direct by default, ops with klpx's "direct" parameter off)
# - disabling stack2 takes it off both lines; disabling stack1 removes
#   the klpx_target_version line; disabling basic leaves the file empty

start_test "funcs with stacked patches"

[ -r $KLPX_DEBUGFS/funcs ] || die "no $KLPX_DEBUGFS/funcs"
show_funcs
load_mod $TARGET
load_mod $BASIC
load_mod $P1
show_funcs
load_mod $P2
show_funcs
write_file 0 $KLPX_SYSFS/$P2/enabled || die "cannot disable $P2"
show_funcs
write_file 0 $KLPX_SYSFS/$P1/enabled || die "cannot disable $P1"
show_funcs
write_file 0 $KLPX_SYSFS/$BASIC/enabled || die "cannot disable $BASIC"
show_funcs

check_result "% sort $KLPX_DEBUGFS/funcs
% insmod $TARGET.ko
% insmod $BASIC.ko
% insmod $P1.ko
% sort $KLPX_DEBUGFS/funcs
| func=cmdline_proc_show object=vmlinux patches=$BASIC path=$PATHNAME
| func=klpx_target_greeting object=$TARGET patches=$BASIC path=$PATHNAME
| func=klpx_target_version object=$TARGET patches=$P1 path=$PATHNAME
% insmod $P2.ko
% sort $KLPX_DEBUGFS/funcs
| func=cmdline_proc_show object=vmlinux patches=$BASIC path=$PATHNAME
| func=klpx_target_greeting object=$TARGET patches=$P2,$BASIC path=$PATHNAME
| func=klpx_target_version object=$TARGET patches=$P2,$P1 path=$PATHNAME
% echo 0 > $KLPX_SYSFS/$P2/enabled
% sort $KLPX_DEBUGFS/funcs
| func=cmdline_proc_show object=vmlinux patches=$BASIC path=$PATHNAME
| func=klpx_target_greeting object=$TARGET patches=$BASIC path=$PATHNAME
| func=klpx_target_version object=$TARGET patches=$P1 path=$PATHNAME
% echo 0 > $KLPX_SYSFS/$P1/enabled
% sort $KLPX_DEBUGFS/funcs
| func=cmdline_proc_show object=vmlinux patches=$BASIC path=$PATHNAME
| func=klpx_target_greeting object=$TARGET patches=$BASIC path=$PATHNAME
% echo 0 > $KLPX_SYSFS/$BASIC/enabled
% sort $KLPX_DEBUGFS/funcs"

exit 0
