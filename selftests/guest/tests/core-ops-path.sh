#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# With klpx's "direct" parameter off, patched functions take the ops path
# (klpx's IPMODIFY ftrace handler), and behave as on the direct path: the
# same stacking, atomic replace, refusals (the kernel's livepatch in
# either order), tracers, and consistency under calling threads, checked
# by the very tests that check the direct path by default.
#
# klpx-timeout: 240

. "$(dirname "$0")/../functions.sh"

cleanup() {
	cleanup_modules
	restore_direct
}

setup_test
set_direct N
assert_eq "the path of new patches" ops "$(klpx_path)"

# - funcs says path=ops for every function, stacked patches and all
# - stacking, atomic replace, the kernel's livepatch in either order, the
#   function tracer and a kprobe, one RCU-tasks wait per disable, and 100
#   replaces under calling threads pass on the ops path
for t in core-funcs core-stack core-replace core-klp core-direct-klp \
	 core-direct-tracers core-direct-wait core-stress; do
	start_test "$t on the ops path"
	run_test $t
	echo ok
done

exit 0
