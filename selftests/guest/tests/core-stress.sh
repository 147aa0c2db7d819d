#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Threads call patched functions in a loop while atomic replaces switch
# the patch a hundred times: every call answers with one version, never a
# mix, and never an older version after a newer one.

. "$(dirname "$0")/../functions.sh"

STRESS=klpx_target_stress
A=klpx_test_core_stress_a
B=klpx_test_core_stress_b
P=/sys/module/$STRESS/parameters
ROUNDS=${CORE_STRESS_ROUNDS:-100}

setup_test

# - two kernel threads call klpx_target_stress_call(), which yields the
#   CPU between its own answer and the leaf it calls through its
#   redirection
# - patches a and b, each an atomic replace answering "version", take
#   turns: round i loads one with version=i, and removes the other
# - afterwards: no mixed answer, no thread went back to an older
#   version, the newest version seen is the last one, the threads made
#   calls, and the kernel log has no warning (the runner checks that)

start_test "$ROUNDS atomic replaces under calling threads"

load_mod $STRESS threads=2
i=1
while [ $i -le $ROUNDS ]; do
	if [ $((i % 2)) = 1 ]; then new=$A old=$B; else new=$B old=$A; fi
	err=$("$KLPX_INSMOD" "$(mod_path $new)" version=$i 2>&1) ||
		die "round $i: loading $new failed: $err"
	if is_loaded $old; then
		rmmod $old 2>&1 || die "round $i: cannot remove the replaced $old"
	fi
	i=$((i + 1))
done
# Calls made after the last switch see it.
calls=$(cat $P/calls)
loop_until "[ \$(cat $P/calls) -gt $((calls + 100)) ]" ||
	die "the threads stopped calling"
echo "calls: $(cat $P/calls), newest version: $(cat $P/newest)"
assert_eq "mixed answers" 0 "$(cat $P/mixed)"
assert_eq "answers older than one seen before" 0 "$(cat $P/backwards)"
assert_eq "newest version seen" $ROUNDS "$(cat $P/newest)"
last=$A
[ $((ROUNDS % 2)) = 0 ] && last=$B
LOADED_MODS="$last $LOADED_MODS"
# Disabling the last patch takes the ftrace hook off the functions, which
# rewrites their first instruction (int3 first, then the rest).  Under
# QEMU's TCG a vCPU spinning on that instruction can keep running a stale
# translation of the int3, which the kernel answers by rewinding to the
# same address, forever.  The kernel's own livepatch hangs the same way
# (experiments/tcg-rewrite-hang.sh: three runs out of three, each
# stuck at klpx_target_stress_leaf+0 while the kernel livepatch was
# unpatching), so it is the emulator, not klpx.  The replaces above never
# rewrite code; stop the callers before the one step that does.
echo 1 >$P/stop || die "cannot stop the calling threads"
write_file 0 $KLPX_SYSFS/$last/enabled || die "cannot disable $last"
unload_mod $last
unload_mod $STRESS

exit 0
