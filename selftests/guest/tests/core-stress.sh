#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Callers pinned to every CPU call patched functions in a loop while the
# first enable, a hundred atomic replaces and the last disable switch the
# patch under them: every call answers with one version, never a mix, and
# never an older version after a newer one.
#
# A stop that checks no task at all must fail here, every run.  To plant
# it (a local edit, never committed; the checks still run, so that the
# symbols they use stay used, but their verdict is ignored):
#
#   sed -i -e 's/if (ctx->sw->check && klpx_tasks_busy(ctx)) {/if (ctx->sw->check \&\& klpx_tasks_busy(ctx) \&\& 0) {/' \
#          -e 's/if (!sw->check || !klpx_precheck(&ctx)) {/if (!sw->check || !klpx_precheck(\&ctx) || 1) {/' core/switch.c
#   GUEST_TESTS=core-stress make check-guest-6.1    # must fail
#   git checkout core/switch.c
#
# (scripts/mutate/mutants has it as switch-checks-no-task, for the guest
# tier.)

. "$(dirname "$0")/../functions.sh"

STRESS=klpx_target_stress
A=klpx_test_core_stress_a
B=klpx_test_core_stress_b
P=/sys/module/$STRESS/parameters
ROUNDS=${CORE_STRESS_ROUNDS:-100}

setup_test

# all_last(version) - every caller's latest call answered version
all_last() {
	[ -z "$(cat $P/last | tr ' ' '\n' | grep -vx "$1")" ]
}

# - on each CPU, one kernel thread calls klpx_target_stress_call()
#   without pause and yields inside it, and one sleeps inside it (between
#   its own answer and the leaf it calls through its redirection) for
#   about a fifth of its time
# - patches a and b, each an atomic replace answering "version", take
#   turns: round i loads one with version=i, and removes the other; the
#   first load also puts the ftrace hook on both functions, under the
#   callers
# - then the last patch is disabled, the callers still running: that
#   takes the hook off again
# - no mixed answer anywhere, no caller went back to an older version or
#   to the unpatched functions before the end, every caller's last call
#   answers the last version, then the unpatched one, and the kernel log
#   has no warning (the runner checks that)

start_test "$ROUNDS atomic replaces and a disable under callers on every CPU"

load_mod $STRESS threads=2 sleepers=2
i=1
while [ $i -le $ROUNDS ]; do
	if [ $((i % 2)) = 1 ]; then new=$A old=$B; else new=$B old=$A; fi
	err=$("$KLPX_INSMOD" "$(mod_path $new)" version=$i 2>&1) ||
		die "round $i: loading $new failed: $err"
	if is_loaded $old; then
		rmmod $old 2>&1 || die "round $i: cannot remove the replaced $old"
	fi
	mixed=$(cat $P/mixed)
	[ "$mixed" = 0 ] || die "round $i: $mixed mixed answers"
	i=$((i + 1))
done
last=$A
[ $((ROUNDS % 2)) = 0 ] && last=$B
LOADED_MODS="$last $LOADED_MODS"
loop_until "all_last $ROUNDS" ||
	die "callers after the last replace: $(cat $P/last), not all $ROUNDS"
echo "after the replaces: calls $(cat $P/calls), newest version $(cat $P/newest)"
assert_eq "mixed answers" 0 "$(cat $P/mixed)"
assert_eq "answers older than one seen before" 0 "$(cat $P/backwards)"
assert_eq "unpatched answers after a patched one" 0 "$(cat $P/unpatched)"
assert_eq "newest version seen" $ROUNDS "$(cat $P/newest)"

write_file 0 $KLPX_SYSFS/$last/enabled || die "cannot disable $last"
loop_until "all_last 0" ||
	die "callers after the disable: $(cat $P/last), not all 0"
echo "after the disable: every caller answers unpatched"
assert_eq "mixed answers" 0 "$(cat $P/mixed)"
unload_mod $last
unload_mod $STRESS

exit 0
