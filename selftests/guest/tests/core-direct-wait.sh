#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Disabling a patch waits for RCU-tasks once, whatever number of objects
# it spans: ftrace's wait for the one ftrace_ops it unregisters then (the
# direct ops of the patch's enable on the direct path, klpx's IPMODIFY
# ops on the ops path), not one per object, nor a second one for klpx's
# IPMODIFY ops.  ftrace calls synchronize_rcu_tasks_rude() once for every
# dynamic ftrace_ops it unregisters; a kprobe event counts the calls the
# disabling task makes.  klpx's IPMODIFY ops goes soon after without
# anyone asking; ftrace can then be disabled.  A module loaded after the
# enable is hooked in a batch of its own, whose ops costs a wait more.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_bench_many
PATCH=klpx_bench_many_patch
MODTARGET=klpx_target
BASIC=klpx_test_core_basic
TRACEFS=/sys/kernel/tracing
FTRACE_ENABLED=/proc/sys/kernel/ftrace_enabled
PROBE=klpx_rcu_tasks_wait
WAITER=synchronize_rcu_tasks_rude
TRANSCRIPT='^(% |sh: )'

probe_off() {
	[ -e $TRACEFS/events/kprobes/$PROBE/enable ] &&
		echo 0 >$TRACEFS/events/kprobes/$PROBE/enable 2>/dev/null
	echo "-:$PROBE" >>$TRACEFS/kprobe_events 2>/dev/null
	echo >$TRACEFS/trace 2>/dev/null
	[ -n "$tracing_was" ] &&
		echo "$tracing_was" >$TRACEFS/tracing_on 2>/dev/null
}

cleanup() {
	probe_off
	[ -n "$ftrace_was" ] && echo "$ftrace_was" >$FTRACE_ENABLED
	cleanup_modules
}

# disable_waits(patch) - disable klpx patch patch, logged, and print how
# many times the disabling task called $WAITER
disable_waits() {
	local pid

	write_file "p:$PROBE $WAITER" $TRACEFS/kprobe_events ||
		die "cannot add a kprobe on $WAITER"
	write_file 1 $TRACEFS/events/kprobes/$PROBE/enable
	echo >$TRACEFS/trace
	write_file 1 $TRACEFS/tracing_on
	# The write comes from a shell whose pid it prints first.
	log "% echo 0 > $KLPX_SYSFS/$1/enabled"
	pid=$(sh -c 'echo $$; echo 0 >"$1"' sh "$KLPX_SYSFS/$1/enabled") ||
		die "cannot disable $1"
	grep -cE -- "-$pid +\[[0-9]+\].* $PROBE:" $TRACEFS/trace
	probe_off
}

# klpx_unhooked() - wait until ftrace hooks no function of klpx (its
# IPMODIFY ops went by itself); die otherwise
klpx_unhooked() {
	loop_until "! grep -q '^klpx_' $TRACEFS/enabled_functions" ||
		die "ftrace still hooks klpx's functions: $(grep '^klpx_' $TRACEFS/enabled_functions)"
}

setup_test
[ -e $TRACEFS/kprobe_events ] || skip "no kprobe events"
grep -q " $WAITER\$" /proc/kallsyms || skip "no $WAITER in this kernel"
tracing_was=$(cat $TRACEFS/tracing_on)
path=$(klpx_path)

# - a patch of the 200 functions of klpx_bench_many takes klpx's default
#   path for all of them
# - the task that disables it calls synchronize_rcu_tasks_rude() once
# - klpx's IPMODIFY ops then goes by itself: ftrace hooks nothing of klpx,
#   and kernel.ftrace_enabled=0 is accepted (nothing of klpx is permanent
#   in ftrace any more)

start_test "a disable of 200 functions waits for RCU-tasks once ($path path)"

load_mod $TARGET
load_mod $PATCH
assert_eq "functions on the $path path" 200 \
	"$(grep -c "^func=.* object=$TARGET .* path=$path\$" $KLPX_DEBUGFS/funcs)"
assert_eq "RCU-tasks waits of the disabling task" 1 "$(disable_waits $PATCH)"
klpx_unhooked
if [ -w $FTRACE_ENABLED ]; then
	ftrace_was=$(cat $FTRACE_ENABLED)
	write_file 0 $FTRACE_ENABLED ||
		die "ftrace cannot be disabled once klpx's ftrace_ops went"
	write_file "$ftrace_was" $FTRACE_ENABLED || die "cannot enable ftrace again"
	ftrace_was=
fi
unload_mod $PATCH
unload_mod $TARGET

check_result "% insmod $TARGET.ko
% insmod $PATCH.ko
% echo p:$PROBE $WAITER > $TRACEFS/kprobe_events
% echo 1 > $TRACEFS/events/kprobes/$PROBE/enable
% echo 1 > $TRACEFS/tracing_on
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
% echo 0 > $FTRACE_ENABLED
% echo 1 > $FTRACE_ENABLED
% rmmod $PATCH
% rmmod $TARGET"

# two_objects first second waits - basic patches a function of vmlinux
# and one of klpx_target: load modules first and second, then check that
# both functions take klpx's default path and that the task disabling
# basic calls $WAITER waits times
two_objects() {
	load_mod $1
	load_mod $2
	assert_eq "functions on the $path path" 2 \
		"$(grep -cE "^func=.* object=(vmlinux|$MODTARGET) .* path=$path\$" $KLPX_DEBUGFS/funcs)"
	assert_eq "RCU-tasks waits of the disabling task" $3 "$(disable_waits $BASIC)"
	klpx_unhooked
	unload_mod $BASIC
	unload_mod $MODTARGET

	check_result "% insmod $1.ko
% insmod $2.ko
% echo p:$PROBE $WAITER > $TRACEFS/kprobe_events
% echo 1 > $TRACEFS/events/kprobes/$PROBE/enable
% echo 1 > $TRACEFS/tracing_on
% echo 0 > $KLPX_SYSFS/$BASIC/enabled
% rmmod $BASIC
% rmmod $MODTARGET"
}

# - klpx_target loaded before basic: both functions are hooked in one
#   batch
# - the task that disables it calls synchronize_rcu_tasks_rude() once

start_test "a disable of functions in vmlinux and a module waits once ($path path)"
two_objects $MODTARGET $BASIC 1

# - basic enabled first, klpx_target loaded after it: the module's
#   function joins in a batch of its own when it loads
# - on the direct path that is a direct ops of its own, which the disable
#   unregisters too: two waits; on the ops path, still one

[ "$path" = direct ] && want=2 || want=1
start_test "a module loaded after the enable adds its own batch ($path path: $want waits)"
two_objects $BASIC $MODTARGET $want

exit 0
