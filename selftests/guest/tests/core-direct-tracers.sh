#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The function tracer and a kprobe at the entry of a redirected function
# keep working together with the redirection: both see every call, the
# replacement runs all along, and neither leaves anything behind.

. "$(dirname "$0")/../functions.sh"

PATCH=klpx_test_core_basic
TRACEFS=/sys/kernel/tracing
PROBE=klpx_direct_probe
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# tracing_off() - no tracer, no probe, an empty buffer, and tracing_on as
# it was before the test (later tests trace events)
tracing_off() {
	echo nop >$TRACEFS/current_tracer 2>/dev/null
	echo >$TRACEFS/set_ftrace_filter 2>/dev/null
	[ -e $TRACEFS/events/kprobes/$PROBE/enable ] &&
		echo 0 >$TRACEFS/events/kprobes/$PROBE/enable 2>/dev/null
	echo "-:$PROBE" >>$TRACEFS/kprobe_events 2>/dev/null
	echo >$TRACEFS/trace 2>/dev/null
	echo "$tracing_was" >$TRACEFS/tracing_on 2>/dev/null
}

cleanup() {
	tracing_off
	cleanup_modules
}

# calls N - read /proc/cmdline N times; each read calls cmdline_proc_show()
calls() {
	local i
	for i in $(seq 1 "$1"); do
		cat /proc/cmdline >/dev/null
	done
}

# seen WHAT - how many lines of the trace buffer name WHAT
seen() {
	grep -c "$1" $TRACEFS/trace
}

setup_test
[ -e $TRACEFS/set_ftrace_filter ] || skip "no function tracer"
[ -e $TRACEFS/kprobe_events ] || skip "no kprobe events"
tracing_was=$(cat $TRACEFS/tracing_on)

# - with cmdline_proc_show() redirected, the function tracer filtered on it
#   records each of 5 calls, and /proc/cmdline stays the replacement's
# - a kprobe event at its entry, added meanwhile, records each of 5 more
#   calls, next to the tracer
# - tracer and kprobe go; the redirection is untouched; the disable then
#   brings the original back and ftrace hooks the function for no one

start_test "the function tracer and a kprobe on a redirected function"

cmdline=$(cat /proc/cmdline)
load_mod $PATCH
show /proc/cmdline
tracing_off
write_file cmdline_proc_show $TRACEFS/set_ftrace_filter ||
	die "cannot filter the function tracer"
write_file function $TRACEFS/current_tracer || die "no function tracer"
write_file 1 $TRACEFS/tracing_on
calls 5
assert_eq "function tracer hits" 5 "$(seen 'cmdline_proc_show <-')"
show /proc/cmdline

write_file "p:$PROBE cmdline_proc_show" $TRACEFS/kprobe_events ||
	die "cannot add a kprobe on cmdline_proc_show"
write_file 1 $TRACEFS/events/kprobes/$PROBE/enable
echo >$TRACEFS/trace
calls 5
assert_eq "kprobe hits" 5 "$(seen "$PROBE:")"
assert_eq "function tracer hits next to the kprobe" 5 \
	"$(seen 'cmdline_proc_show <-')"
show /proc/cmdline
grep -q "^func=cmdline_proc_show .* path=" $KLPX_DEBUGFS/funcs ||
	die "funcs does not list cmdline_proc_show"

tracing_off
show /proc/cmdline
disable_patch $PATCH
assert_eq "/proc/cmdline" "$cmdline" "$(cat /proc/cmdline)"
grep -q "^cmdline_proc_show " $TRACEFS/enabled_functions &&
	die "ftrace still hooks cmdline_proc_show"
unload_mod $PATCH

check_result "% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch vmlinux
$PATCH: post_patch vmlinux
klpx: '$PATCH': enabled
% cat /proc/cmdline
| this has been live patched by $PATCH
% echo cmdline_proc_show > $TRACEFS/set_ftrace_filter
% echo function > $TRACEFS/current_tracer
% echo 1 > $TRACEFS/tracing_on
% cat /proc/cmdline
| this has been live patched by $PATCH
% echo p:$PROBE cmdline_proc_show > $TRACEFS/kprobe_events
% echo 1 > $TRACEFS/events/kprobes/$PROBE/enable
% cat /proc/cmdline
| this has been live patched by $PATCH
% cat /proc/cmdline
| this has been live patched by $PATCH
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
$PATCH: pre_unpatch vmlinux
$PATCH: post_unpatch vmlinux
klpx: shadow type basic_state (id 0x6b700001) dropped: garbage-collecting 0 variable(s)
klpx: '$PATCH': disabled
% rmmod $PATCH"

exit 0
