#!/bin/sh
# story.sh - run in the guest by make guest-run, in the folder that holds
# the modules, with klpx.ko loaded and insmod meaning klpx-insmod.
set -e
ctl=/sys/kernel/debug/leaky/ctl

# run CMD - show CMD, run it, then the messages of klpx and leaky it caused
run() {
	echo "# $*"
	dmesg -c >/dev/null
	eval "$*"
	dmesg -c | sed -n 's/^\[[ 0-9.]*\] \(\(klpx\|leaky\)[a-z0-9_]*: \)/    \1/p' |
		grep -v taint || true
}

echo "== the module leaks"
run insmod leaky.ko
run "echo add >$ctl"
run "echo drop >$ctl"

echo "== fix 1 keeps each new buffer in a shadow variable"
run insmod leaky_fix1.ko
run ls /sys/kernel/klpx
run "echo add >$ctl"
run "echo drop >$ctl"
run "echo add >$ctl; echo add >$ctl"

echo "== fix 2, cumulative, counts pokes"
run insmod leaky_fix2.ko
run ls /sys/kernel/klpx
run "echo poke >$ctl; echo poke >$ctl"
run cat /sys/kernel/debug/klpx/shadow_types

echo "== the downgrade to fix 1 collects the counters"
run "insmod leaky_fix1.ko || echo 'the old leaky_fix1 is still loaded'"
run rmmod leaky_fix1
run insmod leaky_fix1.ko
run rmmod leaky_fix2
run cat /sys/kernel/debug/klpx/shadow_types

echo "== disabling fix 1 collects the buffers"
run "echo 0 >/sys/kernel/klpx/leaky_fix1/enabled"
run rmmod leaky_fix1
run "echo drop >$ctl"
run rmmod leaky
