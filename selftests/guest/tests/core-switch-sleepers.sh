#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Sleepers in the way of a switch: one that leaves by itself is never
# disturbed; a freezable sleeper is moved out after signal_after seconds;
# with a task that cannot be moved, nobody is moved, a sleeper woken
# normally goes on at once, and the enable fails once, after
# switch_timeout.
# klpx-timeout: 120

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_test_switch_target
PATCH=klpx_test_switch_patch
WAITERS=/sys/module/$TARGET/parameters/waiters
PARAMS=/sys/module/klpx/parameters
EVENT=/sys/kernel/tracing/events/klpx/klpx_switch_move
OUT=/tmp/core-switch

cleanup() {
	[ -n "$timeout" ] && echo "$timeout" >$PARAMS/switch_timeout
	[ -n "$after" ] && echo "$after" >$PARAMS/signal_after
	[ -e $EVENT/enable ] && echo 0 >$EVENT/enable
	[ -e /proc/klpx_switch_timed ] && echo 1 >/proc/klpx_switch_timed
	[ -n "$reader" ] && wait "$reader" 2>/dev/null
	[ -n "$loader" ] && wait "$loader" 2>/dev/null
	cleanup_modules
}

# now - the guest's uptime in hundredths of a second
now() {
	local up

	read -r up _ </proc/uptime
	echo "${up%.*}${up#*.}" | sed 's/^0*//'
}

# start_reader FILE - read /proc/FILE in the background: $OUT.out gets
# what it read, $OUT.status "<exit status> <uptime when done>"
start_reader() {
	rm -f $OUT.out $OUT.status
	(cat /proc/$1 >$OUT.out 2>$OUT.err; echo "$? $(now)" >$OUT.status) &
	reader=$!
}

wait_reader() {
	wait "$reader"
	reader=
	read -r reader_status reader_end <$OUT.status
}

setup_test
timeout=$(cat $PARAMS/switch_timeout)
after=$(cat $PARAMS/signal_after 2>/dev/null) ||
	die "klpx has no signal_after parameter"

# - a reader sleeps interruptibly in a function the patch replaces; the
#   driver answers an interrupted wait with EINTR
# - the reader leaves by itself 2 s into the enable (signal_after is 15 s)
# - it gets its data, never EINTR; the enable then succeeds
start_test "a sleeper that leaves by itself within signal_after sees nothing"

load_mod $TARGET
start_reader klpx_switch_eintr
loop_until "[ \"\$(cat $WAITERS)\" = 1 ]" || die "the reader does not sleep"
load_mod $PATCH
wait_reader
assert_eq "the reader's exit status ($(cat $OUT.err))" 0 "$reader_status"
assert_eq "reads that answered EINTR" 0 \
	"$(cat /sys/module/$TARGET/parameters/interrupted)"
assert_eq "what the reader got" woke "$(cat $OUT.out)"
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
unload_mod $TARGET

# - a reader sleeps in wait_event_freezable() (TASK_INTERRUPTIBLE |
#   TASK_FREEZABLE) in a function the patch replaces
# - the debugfs transition file names it, with the time it will be moved
# - after signal_after (2 s) it is moved out: one klpx_switch_move event;
#   its read restarts in the replacement, and it gets "replaced"
start_test "a freezable sleeper is moved out after signal_after"

write_file 2 $PARAMS/signal_after || die "cannot set signal_after"
echo 1 >$EVENT/enable || die "no klpx_switch_move event"
echo >/sys/kernel/tracing/trace
load_mod $TARGET
start_reader klpx_switch_freezable
loop_until "[ \"\$(cat $WAITERS)\" = 1 ]" || die "the reader does not sleep"
log "% insmod $PATCH.ko"
insmod_async $PATCH $OUT.load
transition_lists 'comm=cat state=S func=klpx_switch_wait_freezable action=signal-at=' "the reader"
wait $loader || die "the enable failed: $(cat $OUT.load)"
loader=
LOADED_MODS="$PATCH $LOADED_MODS"
wait_reader
assert_eq "the reader's exit status ($(cat $OUT.err))" 0 "$reader_status"
assert_eq "what the reader got" replaced "$(cat $OUT.out)"
grep -q "klpx_switch_move: patch=$PATCH task=cat/[0-9]* func=klpx_switch_wait_freezable" \
	/sys/kernel/tracing/trace || die "no klpx_switch_move event for the reader"
echo 0 >$EVENT/enable
[ -n "$(cat $KLPX_DEBUGFS/transition)" ] && die "the transition file lists tasks after the switch"
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
unload_mod $TARGET

# - a kthread sleeps in a function the patch replaces and never leaves;
#   a reader sleeps for 2 s in another one, restarting when interrupted
# - with signal_after 1 s and switch_timeout 4 s: nobody is moved, since
#   the kthread cannot be; the reader wakes after its 2 s and gets its
#   data within a second of that
# - the enable fails once, with -EBUSY: its switch gives up within
#   switch_timeout + 1 s of its start (what follows, taking the ftrace
#   hooks off, is not the switch's)
start_test "a task that cannot move: nobody is moved, the enable fails once"

write_file 1 $PARAMS/signal_after || die "cannot set signal_after"
write_file 4 $PARAMS/switch_timeout || die "cannot set switch_timeout"
load_mod $TARGET kthread=1
loop_until "[ \"\$(cat $WAITERS)\" = 1 ]" || die "the kthread does not sleep"
reader_start=$(now)
start_reader klpx_switch_timed
loop_until "[ \"\$(cat $WAITERS)\" = 2 ]" || die "the reader does not sleep"
log "% insmod $PATCH.ko"
(cd "$KLPX_MODDIR" && "$KLPX_INSMOD" $PATCH.ko >$OUT.load 2>&1;
 echo "$? $(now)" >$OUT.loaded)&
loader=$!
# The switch begins waiting (the module load and the preparation of its
# ftrace hooks come before, and are not the switch's).
loop_until "[ \"\$(cat $KLPX_SYSFS/$PATCH/transition 2>/dev/null)\" = 1 ]" ||
	die "transition never read 1"
load_start=$(now)
wait_reader
assert_eq "the reader's exit status ($(cat $OUT.err))" 0 "$reader_status"
assert_eq "what the reader got" woke "$(cat $OUT.out)"
echo "the reader took $((reader_end - reader_start)) cs"
[ $((reader_end - reader_start)) -le 300 ] ||
	die "the reader took $((reader_end - reader_start)) cs, not at most 300"
loop_until "[ \"\$(cat $KLPX_SYSFS/$PATCH/transition 2>/dev/null)\" != 1 ]" ||
	die "the switch never gave up"
gave_up=$(now)
wait $loader
loader=
read -r load_status load_end <$OUT.loaded
[ "$load_status" = 0 ] && die "$PATCH loaded although the kthread never left"
log "$(cat $OUT.load)"
echo "the switch gave up $((gave_up - load_start)) cs after it began; the enable returned $((load_end - gave_up)) cs later"
[ $((gave_up - load_start)) -le 500 ] ||
	die "the switch gave up $((gave_up - load_start)) cs after it began, not at most 500"
assert_eq "refusals logged" 1 \
	"$(log_since_start | grep -c "'$PATCH': cannot switch")"
assert_log "'$PATCH': cannot switch: task klpx_switch_kt \(pid [0-9]*\) is inside klpx_switch_wait_kt; gave up after 4 s"
assert_log "insmod: can't insert '$PATCH.ko': Device or resource busy"
unload_mod $TARGET
exit 0
