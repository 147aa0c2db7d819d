#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Disabling a patch of 200 functions waits for RCU-tasks once: ftrace's
# wait for the one ftrace_ops it unregisters then (the direct ops of the
# patch's object on the direct path, klpx's IPMODIFY ops on the ops path),
# not a second one for klpx's IPMODIFY ops.  ftrace calls
# synchronize_rcu_tasks_rude() once for every dynamic ftrace_ops it
# unregisters; a kprobe event counts the calls the disabling task makes.
# klpx's IPMODIFY ops goes soon after without anyone asking; ftrace can
# then be disabled.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_bench_many
PATCH=klpx_bench_many_patch
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

write_file "p:$PROBE $WAITER" $TRACEFS/kprobe_events ||
	die "cannot add a kprobe on $WAITER"
write_file 1 $TRACEFS/events/kprobes/$PROBE/enable
echo >$TRACEFS/trace
write_file 1 $TRACEFS/tracing_on

# The write comes from a shell whose pid it prints first.
log "% echo 0 > $KLPX_SYSFS/$PATCH/enabled"
pid=$(sh -c 'echo $$; echo 0 >"$1"' sh "$KLPX_SYSFS/$PATCH/enabled") ||
	die "cannot disable $PATCH"
waits=$(grep -cE -- "-$pid +\[[0-9]+\].* $PROBE:" $TRACEFS/trace)
assert_eq "RCU-tasks waits of the disabling task" 1 "$waits"
probe_off

loop_until "! grep -q '^klpx_' $TRACEFS/enabled_functions" ||
	die "ftrace still hooks klpx's functions: $(grep '^klpx_' $TRACEFS/enabled_functions)"
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

exit 0
