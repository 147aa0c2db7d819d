#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# patches/static_inline.patch changes the static inline get_task_state():
# both functions it is inlined into, proc_pid_status() (/proc/PID/status)
# and do_task_stat() (/proc/PID/stat), are redirected.

. "$(dirname "$0")/../functions.sh"
. "$(dirname "$0")/../helpers.sh"

PATCH=build_static_inline
setup_test

# - init (pid 1) sleeps: its status says "S (sleeping)"
# - patched, it says "S (sleeping, klpx-build)"; /proc/1/stat, the other
#   caller, still gives the state letter S
# - both callers are listed in the funcs debugfs file under the patch
# - disabled and removed, the original text is back
start_test "a changed static inline reaches every caller"

assert_eq "state before" "State:	S (sleeping)" "$(grep '^State:' /proc/1/status)"
patch_on $PATCH
assert_eq "state while patched" "State:	S (sleeping, klpx-build)" \
	"$(grep '^State:' /proc/1/status)"
assert_eq "stat state letter while patched" S "$(cut -d' ' -f3 /proc/1/stat)"
for f in proc_pid_status do_task_stat; do
	grep -q "^func=$f object=vmlinux patches=$PATCH" $KLPX_DEBUGFS/funcs ||
		die "$f is not redirected by $PATCH"
done
patch_off $PATCH
assert_eq "state after" "State:	S (sleeping)" "$(grep '^State:' /proc/1/status)"

check_result "$(on_lines $PATCH)
$(off_lines $PATCH)"
