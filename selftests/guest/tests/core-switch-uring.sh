#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An io_uring read asleep in a function a patch replaces: the io-wq worker
# that performs it runs task_work inside the kernel, so it is never moved
# out; the enable waits for it, and the request completes with its data,
# never EINTR, although the driver answers an interrupted wait with EINTR.
# klpx-timeout: 90

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_test_switch_target
PATCH=klpx_test_switch_patch
WAITERS=/sys/module/$TARGET/parameters/waiters
PARAMS=/sys/module/klpx/parameters
OUT=/tmp/core-switch-uring

cleanup() {
	[ -n "$after" ] && echo "$after" >$PARAMS/signal_after
	[ -e /proc/klpx_switch_eintr ] && echo 1 >/proc/klpx_switch_eintr
	[ -n "$reader" ] && wait "$reader" 2>/dev/null
	[ -n "$loader" ] && wait "$loader" 2>/dev/null
	cleanup_modules
}

setup_test
command -v klpx-uring-read >/dev/null ||
	skip "no klpx-uring-read in this guest"
after=$(cat $PARAMS/signal_after)

# - an io_uring read (IOSQE_ASYNC: an io-wq worker performs it) of
#   /proc/klpx_switch_eintr sleeps for 4 s in klpx_switch_wait_eintr(),
#   which answers an interrupted wait with EINTR
# - the patch is enabled meanwhile, with signal_after 1 s: a worker would
#   be interrupted after 1 s if it counted as movable
# - the transition file lists the worker as waited for
# - the read completes by itself with "woke", never EINTR; then the
#   enable succeeds
start_test "an io_uring worker in changed code is waited for, never moved"

write_file 1 $PARAMS/signal_after || die "cannot set signal_after"
load_mod $TARGET sleep_ms=4000
log "% klpx-uring-read /proc/klpx_switch_eintr &"
rm -f $OUT.status
(klpx-uring-read /proc/klpx_switch_eintr >$OUT.out 2>$OUT.err;
 echo "$?" >$OUT.status) &
reader=$!
loop_until "[ \"\$(cat $WAITERS)\" = 1 ]" || die "the io_uring read does not sleep"
log "% insmod $PATCH.ko &"
insmod_async $PATCH $OUT.load
transition_lists 'comm=iou-wrk-[0-9]* state=S func=klpx_switch_wait_eintr action=waiting' "the io-wq worker as waited for"
wait "$reader"
reader=
log "$(cat $OUT.out)"
assert_eq "klpx-uring-read's exit status ($(cat $OUT.err))" 0 "$(cat $OUT.status)"
assert_eq "what the io_uring read got" "res=5 data=woke" "$(cat $OUT.out)"
assert_eq "reads that answered EINTR" 0 \
	"$(cat /sys/module/$TARGET/parameters/interrupted)"
wait "$loader" || die "the enable failed: $(cat $OUT.load)"
loader=
LOADED_MODS="$PATCH $LOADED_MODS"
assert_eq "$PATCH enabled" 1 "$(cat $KLPX_SYSFS/$PATCH/enabled)"
assert_log "'$PATCH': enabled"
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
unload_mod $TARGET
exit 0
