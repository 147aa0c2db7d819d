#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An experiment, not part of make check: the kernel's own text patching,
# without klpx, under threads pinned to every CPU.  Under QEMU's
# multi-threaded TCG (GUEST_ACCEL=tcg) it shows the emulator running code
# that memory no longer holds; under the tier's setting it passes.
#
#   GUEST_TESTS=text-poke-stale make check-guest-6.1

. "$(dirname "$0")/../functions.sh"

EXP=klpx_exp_text_poke
P=/sys/module/$EXP/parameters
SECONDS_EACH=${TEXT_POKE_SECONDS:-10}

setup_test

# - one thread per CPU, pinned, runs a patched site in a tight loop
# - from insmod's CPU, the site's code changes up to 2000 times through
#   static_branch_enable/disable, then up to 200 times through
#   register/unregister_ftrace_function, each mode for at most
#   $SECONDS_EACH seconds
# - after each change returns, every thread runs the site again and
#   must run the new code ("stale" counts those that did not) and must
#   do so within 2 s ("late"); the kernel log has no warning, oops or
#   lockup (the runner checks that)

start_test "code changes under pinned threads, without klpx"

for m in key:2000 ftrace:200; do
	mode=${m%%:*}
	load_mod $EXP mode=$mode toggles=${m#*:} seconds=$SECONDS_EACH
	echo "$mode: $(cat $P/done) changes, $(cat $P/stale) stale, $(cat $P/late) late"
	assert_eq "$mode: stale code after a change" 0 "$(cat $P/stale)"
	assert_eq "$mode: threads stuck after a change" 0 "$(cat $P/late)"
	unload_mod $EXP
done

exit 0
