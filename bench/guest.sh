#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - the benchmark run inside the guest (busybox sh, klpx loaded).
# bench/run.sh sends it through the guest's shell; it prints one record a
# line, each starting with "@":
#
#   @ MEASURE SET N IMPL ROUND NS OPS [TOTAL_NS TOTAL_OPS]
#                                        a timing (see klpx_bench_main.c)
#   @mem SET N STEP SLAB_KB VMALLOC_KB ROUND
#                                        /proc/meminfo after a fill step,
#                                        once the slab caches shrank
#   @memkept SET N STEP SLAB_KB VMALLOC_KB ROUND
#                                        the same, before they shrank
#   @slab SET N STEP CACHE OBJS OBJSIZE SLABS PAGES_PER_SLAB ROUND
#   @error TEXT                          something went wrong
#   @kernel LINE                         a kernel warning logged meanwhile
#   @done                                the end of the run
#
# Environment: BENCH_ROUNDS (default 5), BENCH_SIZES (default
# "1000 10000 100000 1000000"), BENCH_CREATE (variables per create round,
# default 1000), BENCH_CYCLES (enable/disable cycles of the patches, 3),
# BENCH_PHASES (default "redirect direct stop many shadow"; "memory" is the growth
# steps of the shadow phase alone, with their memory records and no
# timings; "lookups" its get and miss of one id alone, without memory
# rounds), BENCH_MEM_ROUNDS (memory rounds per size and set, default 3).

ROUNDS=${BENCH_ROUNDS:-5}
SIZES=${BENCH_SIZES:-"1000 10000 100000 1000000"}
CREATE=${BENCH_CREATE:-1000}
CYCLES=${BENCH_CYCLES:-3}
MEM_ROUNDS=${BENCH_MEM_ROUNDS:-3}
PHASES=${BENCH_PHASES:-"redirect direct stop many shadow"}
# Threads asleep (one run per count) and enable/disable cycles of the
# 200-function patch while the time the machine stays stopped is measured.
STOP_THREADS=${BENCH_STOP_THREADS:-"1000 10000 100000"}
STOP_CYCLES=${BENCH_STOP_CYCLES:-2}
# Threads asleep and cycles while enable and disable of a 200-function
# patch are timed as a whole.
MANY_THREADS=${BENCH_MANY_THREADS:-10000}
MANY_CYCLES=${BENCH_MANY_CYCLES:-3}
KLPX_SYSFS=/sys/kernel/klpx
MODDIR=/lib/modules/$(uname -r)/extra
CTL=/sys/kernel/debug/klpx_bench/ctl
RESULT=/sys/kernel/debug/klpx_bench/result
KLPX_PATCH=/sys/kernel/klpx/klpx_bench_patch
KLP_PATCH=/sys/kernel/livepatch/klpx_bench_klp

error() {
	echo "@error $*"
}

# bench CMD... - run one command of klpx_bench, print what it printed
bench() {
	if ! echo "$*" >"$CTL"; then
		error "command '$*' failed"
	fi
	cat "$RESULT"
}

# meminfo RECORD SET N STEP ROUND - Slab and VmallocUsed, one record
meminfo() {
	# Fold the per-CPU counter deltas in: meminfo is exact to a page then.
	echo 1 >/proc/sys/vm/stat_refresh 2>/dev/null
	awk -v tag="$1 $2 $3 $4" -v round="$5" '
		/^Slab:/ { slab = $2 }
		/^VmallocUsed:/ { vm = $2 }
		END { print tag " " slab " " vm " " round }' /proc/meminfo
}

# mem SET N STEP ROUND - memory accounting after a fill step
mem() {
	local f
	# As the caches stand (@memkept, for comparison), then once they
	# gave back the slabs that hold no object, and the per-CPU partial
	# ones (@mem): otherwise a cache keeps up to several empty slabs of
	# what the step freed (the tables a resize replaced, in kmalloc
	# caches shared with the whole kernel), and Slab counts them against
	# whichever implementation grew last.
	meminfo @memkept $1 $2 $3 $4
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 >"$f" 2>/dev/null
	done
	meminfo @mem $1 $2 $3 $4
	awk -v tag="$1 $2 $3" -v round="$4" '
		$1 == "kmalloc-64" || $1 ~ /^klpx_shadow_/ {
			print "@slab " tag " " $1 " " $3 " " $4 " " $15 " " $6 " " round
		}' /proc/slabinfo
}

# wait_for CMD... - poll CMD (eval'd) for up to 60 s
wait_for() {
	local i=0
	while ! eval "$*"; do
		i=$((i + 1))
		[ $i -ge 600 ] && return 1
		sleep 0.1
	done
}

# param MODULE NAME - print a timing parameter of a patch module
param() {
	cat "/sys/module/$1/parameters/$2" 2>/dev/null || echo 0
}

# grow SET N - fill SET with N variables in each implementation, from
# empty, MEM_ROUNDS times, with the memory records of each step; SET is
# left full.  Each round starts from a cleared set, and the implementation
# that fills first alternates from one round to the next (klpx in the even
# ones), so that the slabs one leaves behind in caches both share are not
# always counted against the other.  The delta of a step is against the
# record before it in the same round.
grow() {
	local r first second
	for r in $(seq 0 $((MEM_ROUNDS - 1))); do
		if [ $((r % 2)) = 0 ]; then
			first=klpx second=klp
		else
			first=klp second=klpx
		fi
		bench clear $1
		bench settle
		mem $1 $2 base $r
		bench fill $1 $first $2
		bench settle
		mem $1 $2 $first $r
		bench fill $1 $second $2
		bench settle
		mem $1 $2 $second $r
	done
}

memory_phase() {
	local set n
	for set in one spread; do
		for n in $SIZES; do
			grow $set $n
		done
		bench clear $set
	done
}

# lookups SET N - fill SET to N variables in each implementation, without
# memory records, then time get and miss
lookups() {
	bench fill $1 klpx $2
	bench fill $1 klp $2
	bench settle
	bench get $1 "$ROUNDS"
	bench miss $1 "$ROUNDS"
}

# Lookups alone, one id, at each size: minutes where the shadow phase
# takes half an hour at 10^6.
lookups_phase() {
	local n
	for n in $SIZES; do
		lookups one $n
	done
	bench clear one
}

shadow_phase() {
	local set n
	for set in one spread; do
		for n in $SIZES; do
			grow $set $n
			bench get $set "$ROUNDS"
			bench miss $set "$ROUNDS"
			bench create $set "$ROUNDS" "$CREATE"
		done
		[ $set = spread ] && bench freeall "$ROUNDS" 1000
		bench clear $set
	done
	# Key strides that a single golden-ratio multiply spreads badly.
	for set in one48 one96; do
		for n in 1000 10000; do
			lookups $set $n
		done
		bench clear $set
	done
	bench resize "$ROUNDS"
	bench gc 1000 "$ROUNDS"
	bench gc 100000 3
}

# One enable/disable cycle of both patches; with "measure", the per-call
# cost is measured while both are enabled.
patch_cycle() {
	local c=$1 ns
	insmod "$MODDIR/klpx_bench_patch.ko" || { error "klpx_bench_patch does not load"; return 1; }
	insmod "$MODDIR/klpx_bench_klp.ko" || { error "klpx_bench_klp does not load"; return 1; }
	wait_for "[ \"\$(cat $KLP_PATCH/transition 2>/dev/null)\" = 0 ]" ||
		error "the livepatch transition does not end"
	wait_for "[ \"\$(param klpx_bench_klp enable_ns)\" != 0 ]" ||
		error "no post_patch of the livepatch"
	[ "$(cat $KLPX_PATCH/klpx_bench/patched 2>/dev/null)" = 1 ] ||
		error "klpx_bench is not patched by klpx"
	[ "$(cat $KLP_PATCH/klpx_bench/patched 2>/dev/null)" = 1 ] ||
		error "klpx_bench is not patched by the livepatch"
	if [ -n "$CHECK_PATH" ] &&
	   ! grep -q "path=$CHECK_PATH" /sys/kernel/debug/klpx/funcs; then
		error "klpx_bench_patch is not on the $CHECK_PATH path"
	fi
	echo "@ enable - 0 klpx $c $(param klpx_bench_patch enable_ns) 1"
	echo "@ enable - 0 klp $c $(param klpx_bench_klp enable_ns) 1"
	echo "@ enablecall - 0 klpx $c $(param klpx_bench_patch call_ns) 1"
	echo "@ enablecall - 0 klp $c $(param klpx_bench_klp call_ns) 1"

	[ "$2" = measure ] && bench call "$ROUNDS"

	echo 0 >"$KLPX_PATCH/enabled" || error "cannot disable klpx_bench_patch"
	echo 0 >"$KLP_PATCH/enabled" || error "cannot disable klpx_bench_klp"
	wait_for "[ ! -e $KLP_PATCH ]" || error "the livepatch does not go away"
	echo "@ disable - 0 klpx $c $(param klpx_bench_patch disable_ns) 1"
	echo "@ disable - 0 klp $c $(param klpx_bench_klp disable_ns) 1"
	wait_for "rmmod klpx_bench_patch 2>/dev/null" || error "cannot remove klpx_bench_patch"
	wait_for "rmmod klpx_bench_klp 2>/dev/null" || error "cannot remove klpx_bench_klp"
}

# set_direct Y|N - klpx's parameter "direct" for the patches enabled next;
# prints what it was
set_direct() {
	local p=/sys/module/klpx/parameters/direct
	[ -w $p ] || { error "klpx has no direct path" >&2; return 1; }
	cat $p
	echo "$1" >$p
}

# Both functions redirected by an IPMODIFY ftrace handler: klpx's ops path
# (klpx's parameter "direct" off) against the kernel's livepatch.
redirect_phase() {
	local c was
	was=$(set_direct N) || return
	# Before any patch: the three functions should cost the same.
	bench call "$ROUNDS" | sed 's/^@ call /@ call0 /'
	for c in $(seq 1 "$CYCLES"); do
		if [ "$c" = 1 ]; then
			CHECK_PATH=ops patch_cycle "$c" measure || break
		else
			CHECK_PATH=ops patch_cycle "$c" || break
		fi
	done
	set_direct "$was" >/dev/null
	bench switch
	bench stopmachine "$ROUNDS"
}

# The redirect phase's measured cycle again, klpx's patch on the direct
# path (klpx's default); its records get the suffix _direct.
direct_phase() {
	local was
	was=$(set_direct Y) || return
	CHECK_PATH=direct patch_cycle 1 measure |
		sed 's/^@ \([a-z0-9]*\) /@ \1_direct /'
	set_direct "$was" >/dev/null
}

# The machine stopped by a switch: N kthreads asleep, a patch of 200
# functions enabled and disabled STOP_CYCLES times (two checked switches
# each), each cycle followed by two stop_machine() of a no-op with the same
# threads.
stop_threads() {
	local c stats=/sys/kernel/debug/klpx_bench_stop/samples
	insmod "$MODDIR/klpx_bench_stop.ko" threads="$1" ||
		{ error "klpx_bench_stop does not load with $1 threads"; return 1; }
	for c in $(seq 1 "$STOP_CYCLES"); do
		insmod "$MODDIR/klpx_bench_stop_patch.ko" ||
			{ error "klpx_bench_stop_patch does not load"; break; }
		echo 0 >"$KLPX_SYSFS/klpx_bench_stop_patch/enabled" ||
			error "cannot disable klpx_bench_stop_patch"
		wait_for "rmmod klpx_bench_stop_patch 2>/dev/null" ||
			error "cannot remove klpx_bench_stop_patch"
		echo 2 >"$stats" || error "cannot time stop_machine()"
	done
	cat "$stats"
	rmmod klpx_bench_stop || error "cannot remove klpx_bench_stop"
}

# 10^3, 10^4 and 10^5 threads by default: the stop should not grow.
stop_phase() {
	local n

	# 10^5 threads need more pids and threads than the defaults allow.
	echo 4194304 >/proc/sys/kernel/pid_max
	echo 1000000 >/proc/sys/kernel/threads-max
	for n in $STOP_THREADS; do
		stop_threads "$n"
	done
}

# Enable (insmod) and disable (a write of 0 to "enabled") of a patch of
# 200 functions, 10^4 kthreads asleep, timed with the kernel's clock, on
# the path klpx takes by default (the direct path).
many_phase() {
	local c t0 t1 t2 d=/sys/kernel/debug/klpx_bench_many
	insmod "$MODDIR/klpx_bench_many.ko" threads="$MANY_THREADS" ||
		{ error "klpx_bench_many does not load"; return 1; }
	for c in $(seq 1 "$MANY_CYCLES"); do
		t0=$(cat $d/clock)
		insmod "$MODDIR/klpx_bench_many_patch.ko" ||
			{ error "klpx_bench_many_patch does not load"; break; }
		t1=$(cat $d/clock)
		[ "$(cat $d/sum)" = 219900 ] ||
			error "klpx_bench_many_patch does not redirect all 200 functions"
		echo 0 >"$KLPX_SYSFS/klpx_bench_many_patch/enabled" ||
			error "cannot disable klpx_bench_many_patch"
		t2=$(cat $d/clock)
		[ "$(cat $d/sum)" = 19900 ] ||
			error "the originals do not all run after the disable"
		echo "@ enable200 - $MANY_THREADS klpx $c $((t1 - t0)) 1"
		echo "@ disable200 - $MANY_THREADS klpx $c $((t2 - t1)) 1"
		wait_for "rmmod klpx_bench_many_patch 2>/dev/null" ||
			error "cannot remove klpx_bench_many_patch"
	done
	rmmod klpx_bench_many || error "cannot remove klpx_bench_many"
}

echo "@start $(uname -r) $(nproc) cpus $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) kB"
if insmod "$MODDIR/klpx_bench.ko"; then
	for phase in $PHASES; do
		case $phase in
		redirect|direct|stop|many|shadow|memory|lookups) ${phase}_phase ;;
		*) error "no phase '$phase'" ;;
		esac
	done
	rmmod klpx_bench || error "cannot remove klpx_bench"
else
	error "klpx_bench does not load"
fi
# The console is quiet (errors only): look for warnings in the whole log.
dmesg | grep -iv 'command line' |
	grep -E 'WARNING:|BUG:|Oops|general protection fault|RCU stall|detected stalls?|soft lockup -|hard LOCKUP|blocked for more than' |
	sed 's/^/@kernel /'
echo "@done"
