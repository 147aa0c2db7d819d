#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# klpx_shadow_get() from hard IRQ context while the id's table grows and
# shrinks: on PREEMPT_RT kernels the reader must never take the id's
# spinlock_t (a sleeping lock there), nor wait on anything preemptible.

. "$(dirname "$0")/../functions.sh"

MOD=klpx_test_shadow_hardirq
TRANSCRIPT='^(% |klpx_test[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test


# - a hard hrtimer (HRTIMER_MODE_REL_PINNED_HARD: hard IRQ context on RT
#   too) fires every 50 us and looks up 64 variables that always exist and
#   64 objects that never have one
# - meanwhile the module's init creates and frees 8192 variables six
#   times, so the table grows from 16 to 16384 chains and shrinks back,
#   moving variables while the timer reads
# - every lookup finds exactly what exists, and the kernel reports nothing
#   (no "sleeping function called from invalid context", no lockdep splat,
#   no warning: the runner fails the tier on any)

start_test "get from a hard hrtimer while the table grows and shrinks"

load_mod $MOD
unload_mod $MOD

check_result "% insmod $MOD.ko
$MOD: 6 grow/shrink cycles of 8192 variables under a hard hrtimer reader: every lookup right
$MOD: count=64
% rmmod $MOD"

exit 0
