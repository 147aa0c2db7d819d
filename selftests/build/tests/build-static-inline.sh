#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# patches/static_inline.patch changes the static inline get_task_state():
# both functions it is inlined into, proc_pid_status() (/proc/PID/status)
# and do_task_stat() (/proc/PID/stat), are redirected.

. "$(dirname "$0")/../functions.sh"

PATCH=build_static_inline
setup_test

# - init (pid 1) sleeps: its status says "S (sleeping)"
# - patched, it says "S (sleeping, klpx-build)"; /proc/1/stat, the other
#   caller, still gives the state letter S
# - both callers are listed in the funcs debugfs file under the patch
# - disabled and removed, the original text is back
start_test "a changed static inline reaches every caller"

assert_eq "state before" "State:	S (sleeping)" "$(grep '^State:' /proc/1/status)"
load_mod $PATCH
assert_eq "state while patched" "State:	S (sleeping, klpx-build)" \
	"$(grep '^State:' /proc/1/status)"
assert_eq "stat state letter while patched" S "$(cut -d' ' -f3 /proc/1/stat)"
for f in proc_pid_status do_task_stat; do
	grep -q "^func=$f object=vmlinux patches=$PATCH" $KLPX_DEBUGFS/funcs ||
		die "$f is not redirected by $PATCH"
done
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
assert_eq "state after" "State:	S (sleeping)" "$(grep '^State:' /proc/1/status)"

check_result "% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
klpx: '$PATCH': enabled
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
klpx: '$PATCH': disabled
% rmmod $PATCH"
