#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An enable that fails (unknown symbol, ambiguous symbol without sympos,
# shadow type id conflict, one shadow type struct listed by two objects)
# leaves no redirection, no registration, and the patches enabled before
# it untouched.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
P1=klpx_test_core_stack1
BAD=klpx_test_core_bad
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# show_types() - the debugfs lines of the shadow types of these patches
show_types() {
	log "% grep -E 'stack_state|bad_' $KLPX_DEBUGFS/shadow_types"
	grep -E "name=(stack_state|bad_)" $KLPX_DEBUGFS/shadow_types |
		while IFS= read -r l; do log "| $l"; done
}

# unchanged() - what stack1 left must still be there, and nothing of
# the failed patch: same /proc files, sysfs, types, ftrace hooks
unchanged() {
	show /proc/klpx_target
	show_ls $KLPX_SYSFS
	show_types
	assert_eq "/proc/cmdline" "$cmdline" "$(cat /proc/cmdline)"
	assert_eq "ftrace hooks" "klpx_target_version" \
		"$(grep -oE '^(cmdline_proc_show|klpx_target_[a-z_]*|'"$dup"') ' \
			/sys/kernel/tracing/enabled_functions | tr -d ' ')"
}

setup_test

# A vmlinux text symbol whose name appears more than once, and how often.
dup=$(awk 'NF == 3 && ($2 == "t" || $2 == "T") { n[$3]++ }
	END { for (s in n) if (n[s] > 1) print s, n[s] }' /proc/kallsyms |
	LC_ALL=C sort | head -n 1)
dups=${dup#* }
dup=${dup% *}
[ -n "$dup" ] || skip "no duplicate symbol name in vmlinux"

# - stack1 is enabled: version 1, stack_state registered once, ftrace
#   hooks klpx_target_version only
# - an unknown vmlinux symbol fails with -ENOENT naming it
# - a name that appears $dups times in vmlinux fails without old_sympos
#   with -EINVAL naming it, and with an old_sympos past the last one with
#   -ENOENT
# - bad_b reusing stack_state's id under another name fails with -EINVAL
#   after bad_a was registered: bad_a is unregistered again
# - the struct bad_a listed by both objects fails with -EINVAL naming
#   the type and both objects
# - a module object named with '-' (never a loaded module's name) or
#   with the name of a file of the patch's directory fails with -EINVAL
# - after each, everything is as stack1 left it

start_test "failed enables roll back completely"

cmdline=$(cat /proc/cmdline)
load_mod $TARGET
load_mod $P1
unchanged
load_failing_mod $BAD "No such file or directory" old_name=klpx_no_such_function
unchanged
load_failing_mod $BAD "Invalid argument" old_name=$dup
unchanged
load_failing_mod $BAD "No such file or directory" old_name=$dup sympos=$((dups + 1))
unchanged
load_failing_mod $BAD "Invalid argument" b_id=$((0x6b700010)) b_name=bad_b
unchanged
load_failing_mod $BAD "Invalid argument" share_a=1
unchanged
load_failing_mod $BAD "Invalid argument" obj_name=klpx-target
unchanged
load_failing_mod $BAD "Invalid argument" obj_name=replace
unchanged
write_file 0 $KLPX_SYSFS/$P1/enabled || die "cannot disable $P1"
unload_mod $P1
unload_mod $TARGET

state="% cat /proc/klpx_target
| greeting: hello from the original
| version: 1
| items: 1 2 3 4
| counter: -1
% ls $KLPX_SYSFS
| $P1
% grep -E 'stack_state|bad_' $KLPX_DEBUGFS/shadow_types
| id=0x6b700010 name=stack_state size=8 refs=1 live=0"

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $P1.ko
klpx: enabling patch '$P1'
klpx: '$P1': enabled
$state
% insmod $BAD.ko old_name=klpx_no_such_function
klpx: enabling patch '$BAD'
klpx: '$BAD': symbol 'klpx_no_such_function' not found in vmlinux
insmod: can't insert '$BAD.ko': No such file or directory
$state
% insmod $BAD.ko old_name=$dup
klpx: enabling patch '$BAD'
klpx: '$BAD': symbol '$dup' is ambiguous in vmlinux: set old_sympos
insmod: can't insert '$BAD.ko': Invalid argument
$state
% insmod $BAD.ko old_name=$dup sympos=$((dups + 1))
klpx: enabling patch '$BAD'
klpx: '$BAD': symbol '$dup' has $dups occurrence(s) in vmlinux, not $((dups + 1))
insmod: can't insert '$BAD.ko': No such file or directory
$state
% insmod $BAD.ko b_id=$((0x6b700010)) b_name=bad_b
klpx: enabling patch '$BAD'
klpx: shadow type bad_b (id 0x6b700010, size 8) conflicts with registered stack_state (id 0x6b700010, size 8)
klpx: '$BAD': cannot register shadow type bad_b (id 0x6b700010) of $TARGET: -EINVAL
insmod: can't insert '$BAD.ko': Invalid argument
$state
% insmod $BAD.ko share_a=1
klpx: enabling patch '$BAD'
klpx: '$BAD': shadow type bad_a (id 0x6b70000a) is listed by $TARGET and again by vmlinux: each object needs a struct of its own (the same id is fine)
insmod: can't insert '$BAD.ko': Invalid argument
$state
% insmod $BAD.ko obj_name=klpx-target
klpx: enabling patch '$BAD'
klpx: '$BAD': object name 'klpx-target' never matches: loaded modules are named with '_' where their file has '-'
insmod: can't insert '$BAD.ko': Invalid argument
$state
% insmod $BAD.ko obj_name=replace
klpx: enabling patch '$BAD'
klpx: '$BAD': object name 'replace' is taken by a file of the patch's sysfs directory
insmod: can't insert '$BAD.ko': Invalid argument
$state
% echo 0 > $KLPX_SYSFS/$P1/enabled
klpx: disabling patch '$P1'
klpx: shadow type stack_state (id 0x6b700010) dropped: garbage-collecting 0 variable(s)
klpx: '$P1': disabled
% rmmod $P1
% rmmod $TARGET"

exit 0
