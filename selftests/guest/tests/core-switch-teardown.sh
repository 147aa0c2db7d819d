#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A patch module removed by force while a kthread stands in its code: the
# teardown waits for the kthread without holding klpx between attempts, so
# another patch's insmod goes on meanwhile; it logs whom it waits for at
# most once every 5 s, and completes once the kthread leaves.
# klpx-timeout: 120

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_test_switch_target
PATCH=klpx_test_switch_patch
OTHER_TARGET=klpx_target
OTHER=klpx_test_core_stack1
REPLACE=klpx_test_core_orphan
WAITERS=/sys/module/$TARGET/parameters/waiters
CYCLE=/sys/module/$TARGET/parameters/kt_cycle
KT_IN=/sys/module/$PATCH/parameters/kt_in
KT_LEAVE=/sys/module/$PATCH/parameters/kt_leave
OUT=/tmp/core-switch-teardown

cleanup() {
	[ -e $KT_LEAVE ] && echo 1 >$KT_LEAVE 2>/dev/null
	[ -n "$remover" ] && wait "$remover" 2>/dev/null
	[ -n "$loader" ] && wait "$loader" 2>/dev/null
	[ -n "$loaded_other" ] && LOADED_MODS="$OTHER $OTHER_TARGET $LOADED_MODS"
	cleanup_modules
}

# now - the guest's uptime in hundredths of a second
now() {
	local up

	read -r up _ </proc/uptime
	echo "${up%.*}${up#*.}" | sed 's/^0*//'
}

setup_test

# - a kthread stands in the replacement of klpx_switch_wait_kt() (it
#   stepped out of the original before the enable, and into the
#   replacement after it)
# - rmmod -f of the patch module: the teardown must wait for the kthread
# - meanwhile klpx_target and the patch stack1 load (stack1 enables its
#   patch): the teardown does not hold klpx while it waits
# - an atomic replace is refused meanwhile: it would take off the patch
#   being torn down
# - the teardown says whom it waits for, at most once every 5 s
# - the kthread leaves the replacement: the teardown completes, rmmod -f
#   returns 0
start_test "a teardown that waits lets another patch's insmod go on"

load_mod $TARGET kthread=1
loop_until "[ \"\$(cat $WAITERS)\" = 1 ]" || die "the kthread does not sleep"
write_file 1 $CYCLE || die "cannot move the kthread on"
loop_until "[ \"\$(cat $WAITERS)\" = 0 ]" || die "the kthread does not step out"
load_mod $PATCH
write_file 1 $CYCLE || die "cannot move the kthread on"
loop_until "[ \"\$(cat $KT_IN)\" = 1 ]" ||
	die "the kthread does not enter the replacement"

start=$(now)
log "% rmmod -f $PATCH &"
(rmmod -f $PATCH >$OUT.rm 2>&1; echo "$? $(now)" >$OUT.removed) &
remover=$!
loop_until "log_since_start | grep -q \"'$PATCH': module removed by force\"" ||
	die "the teardown does not begin"

log "% insmod $OTHER_TARGET.ko; insmod $OTHER.ko &"
rm -f $OUT.loaded
(cd "$KLPX_MODDIR" && "$KLPX_INSMOD" $OTHER_TARGET.ko >$OUT.load 2>&1 &&
 "$KLPX_INSMOD" $OTHER.ko >>$OUT.load 2>&1; echo "$?" >$OUT.loaded) &
loader=$!
loaded_other=1
loop_until "[ -e $OUT.loaded ]" ||
	die "insmod $OTHER waits for the teardown"
wait $loader
loader=
assert_eq "insmod $OTHER ($(cat $OUT.load))" 0 "$(cat $OUT.loaded)"
[ -e $OUT.removed ] && die "the teardown ended while the kthread was still inside"
assert_eq "$OTHER enabled" 1 "$(cat $KLPX_SYSFS/$OTHER/enabled)"

# Between its attempts: transition reads 1, and the debugfs file lists the
# kthread, waited for, in the replacement (one word: no "[module]").
assert_eq "$PATCH's transition during the teardown" 1 \
	"$(cat $KLPX_SYSFS/$PATCH/transition)"
grep -Eq "^pid=[0-9]+ comm=klpx_switch_kt state=S func=switch_patch_kt action=waiting patch=$PATCH\$" \
	$KLPX_DEBUGFS/transition ||
	die "the transition file during the teardown: '$(cat $KLPX_DEBUGFS/transition)'"

# An atomic replace would take off the patch being torn down: refused.
load_failing_mod $REPLACE "Device or resource busy" replace=1
assert_log "'$REPLACE': cannot enable: patch '$PATCH' is being torn down \\(its module goes\\) and an atomic replace would take it off"

# Watch the teardown's log for a while: at most one line per 5 s.
loop_until "[ \$((\$(now) - start)) -ge 1200 ]" || die "time does not pass"
lines=$(log_since_start |
	grep -c "'$PATCH': waiting for task klpx_switch_kt (pid [0-9]*) to leave switch_patch_kt")
elapsed=$(($(now) - start))
echo "the teardown logged $lines line(s) in $elapsed cs"
[ "$lines" -ge 1 ] || die "the teardown never said whom it waits for"
[ "$lines" -le $((elapsed / 500 + 1)) ] ||
	die "the teardown logged $lines lines in $elapsed cs: more than one per 5 s"
[ -e $OUT.removed ] && die "the teardown ended while the kthread was still inside"

write_file 1 $KT_LEAVE || die "cannot let the kthread leave"
wait $remover
remover=
read -r rm_status rm_end <$OUT.removed
assert_eq "rmmod -f $PATCH ($(cat $OUT.rm))" 0 "$rm_status"
loop_until "! is_loaded $PATCH" || die "$PATCH does not go away"
assert_log "'$PATCH': disabled"

write_file 0 $KLPX_SYSFS/$OTHER/enabled || die "cannot disable $OTHER"
loaded_other=
unload_mod $OTHER
unload_mod $OTHER_TARGET
unload_mod $TARGET
exit 0
