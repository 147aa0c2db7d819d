#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what klpx does for a patch author, told as a session.
#
# Run in the guest by "make demo" (selftests/guest/run.sh demo), with
# klpx.ko loaded.  It prints plain-words narration, every command it runs
# ("$ ..."), the command's output, and the kernel messages the command
# caused ("kernel: ...").  It exits non-zero if the story does not happen
# as told.

MODDIR=${KLPX_MODDIR:-/lib/modules/$(uname -r)/extra}
TYPES=/sys/kernel/debug/klpx/shadow_types
ACCOUNTS=/proc/klpx_demo_accounts
step=0

# say(text...) - a paragraph of narration
say() {
	echo
	echo "$*" | fold -s -w 76 | sed 's/ *$//'
}

# chapter(title) - a numbered heading
chapter() {
	step=$((step + 1))
	echo
	echo
	echo "== $step. $* =="
}

# run(command) - show the command, run it, show its output indented, then
# the kernel messages of klpx and the demo modules it caused
run() {
	local before out rc

	before=$(dmesg | wc -l)
	echo "\$ $*"
	out=$(eval "$*" 2>&1)
	rc=$?
	[ -n "$out" ] && echo "$out" | sed 's/^/  /'
	dmesg | tail -n +$((before + 1)) |
		sed 's/^\[[ 0-9.]*\] //' |
		grep -E '^klpx[a-z0-9_]*: ' |
		grep -vE 'taints kernel|tainting kernel|module verification failed' |
		sed 's/^/  kernel: /'
	return $rc
}

# fail(text) - the story went wrong: say so and stop
fail() {
	echo
	echo "DEMO FAILED: $*"
	exit 1
}

# live(name) - live variables of shadow type name ("none" if unregistered)
live() {
	sed -n "s/.* name=$1 .* live=\([0-9]*\)$/\1/p" $TYPES | grep . ||
		echo none
}

cd "$MODDIR" || fail "no module folder $MODDIR"

cat <<'EOF'
klpx: live patches with garbage-collected shadow variables
===========================================================

A live patch replaces functions of a running kernel.  What it cannot do is
change the layout of data that already exists: when a fix needs a new
field - a lock, a counter - the patch attaches it from the side, as a
"shadow variable" keyed by the object's address.

With the kernel's own livepatch, those variables live until someone frees
them by hand.  A cumulative patch that drops a fix leaves the fix's
variables behind forever, and a later patch can find them stale.

klpx makes the *type* of a shadow variable something the patches own.
Every patch that declares a type holds a registration of its id; when the
last registration goes, every variable of that type is destroyed with the
type's destructor.  Watch it happen.
EOF

chapter "The buggy code"
say "This guest runs Debian's own $(uname -r | cut -d. -f1-2)" \
    "kernel ($(uname -r)), with klpx.ko loaded. Our" \
    "stand-in for buggy kernel code is klpx_demo_accounts: five bank" \
    "accounts whose deposit function updates the balance without a lock," \
    "so two deposits at the same time can lose one."
run insmod klpx_demo_accounts.ko || fail "cannot load klpx_demo_accounts"
run "echo '1 50' > $ACCOUNTS"
run cat $ACCOUNTS

chapter "v1: a lock for every account, from the side"
say "The fix needs a lock in every account, but struct klpx_demo_account" \
    "cannot grow while the kernel runs. Live patch v1 replaces the deposit" \
    "function; the first time it sees an account, it attaches a shadow" \
    "spinlock to it (shadow type account_lock), and it counts deposits in" \
    "a global shadow variable attached to NULL (deposit_count)."
run insmod klpx_demo_v1.ko || fail "cannot load v1"
for a in 1 2 3 4 5; do
	run "echo '$a 10' > $ACCOUNTS"
done
run cat $ACCOUNTS
say "klpx lists every shadow type with its registrations (refs) and its" \
    "live variables:"
run cat $TYPES
[ "$(live account_lock)" = 5 ] || fail "v1 should have made 5 locks"

chapter "v2 takes the state over"
say "v2 is a cumulative update: it keeps the lock and also refuses negative" \
    "deposits. It declares the same shadow ids as v1, so when it atomically" \
    "replaces v1, it inherits v1's locks as they are: no destructor runs," \
    "nothing is copied, and the id's registration count never drops to zero."
run insmod klpx_demo_v2.ko || fail "cannot load v2"
run "echo '3 -500' > $ACCOUNTS"
run "echo '3 20' > $ACCOUNTS"
run cat $TYPES
[ "$(live account_lock)" = 5 ] || fail "v2 should have kept v1's 5 locks"
say "v1 does not run any more and holds nothing: its module can go."
run ls /sys/kernel/klpx
run rmmod klpx_demo_v1 || fail "cannot remove v1"

chapter "v3 downgrades: the lock is garbage-collected"
say "Now suppose the lock turns out to be the wrong fix, and v3 withdraws" \
    "it (it keeps the refusal of negative amounts). v3 does not declare" \
    "account_lock. When it replaces v2, klpx switches the code first, then" \
    "unregisters v2's shadow types: the last registration of account_lock" \
    "goes, and every lock is destroyed with v2's destructor - while v2's" \
    "module is still loaded to run it."
run "grep account_lock $TYPES"
run insmod klpx_demo_v3.ko || fail "cannot load v3"
run cat $TYPES
[ "$(live account_lock)" = none ] || fail "the locks should be gone"
say "deposit_count was declared by every version: it survived, and still" \
    "counts. v2's destructor has run, so v2's module can go too."
run rmmod klpx_demo_v2 || fail "cannot remove v2"
run "echo '2 5' > $ACCOUNTS"
run cat $ACCOUNTS

chapter "v4 brings the lock back, clean"
say "v4 restores the lock. The account_lock id starts empty: no lock from" \
    "v1's time can resurface - not even on an account that now lives at the" \
    "address of an old one."
run insmod klpx_demo_v4.ko || fail "cannot load v4"
run "grep account_lock $TYPES"
[ "$(live account_lock)" = 0 ] || fail "v4 should start without locks"
for a in 1 2 3 4 5; do
	run "echo '$a 1' > $ACCOUNTS"
done
run cat $TYPES
run rmmod klpx_demo_v3 || fail "cannot remove v3"

chapter "Disabling the last patch"
say "Disabling v4 brings the original code back and drops the last" \
    "registration of both ids: everything the patches attached is" \
    "destroyed with v4's destructors, and nothing is left behind."
run "echo 0 > /sys/kernel/klpx/klpx_demo_v4/enabled" ||
	fail "cannot disable v4"
run rmmod klpx_demo_v4 || fail "cannot remove v4"
run cat $ACCOUNTS
say "klpx's list of shadow types is empty again:"
run cat $TYPES
[ -s $TYPES ] && [ -n "$(cat $TYPES)" ] && fail "shadow types are left"

chapter "A fix that changes a setting, and a downgrade that undoes it"
KPTR=/proc/sys/kernel/kptr_restrict
say "Some fixes change more than code and data: they register a notifier," \
    "or set a sysctl. With the kernel's own livepatch, the callbacks of a" \
    "replaced patch never run, so a cumulative patch that drops such a fix" \
    "has no way to undo what it changed. In klpx a shadow type can be a" \
    "*state*: its setup runs when its id is first registered, before the" \
    "switch; its release runs when the last registration goes, after the" \
    "switch, while the module that knows how to undo the change is still" \
    "loaded."
say "v5 is v4 plus a hardening: while it is in, files that print kernel" \
    "addresses with %pK must hide them. Its state kptr_guard raises the" \
    "sysctl kernel.kptr_restrict in its setup, keeping the value it found in a" \
    "shadow variable of its own id."
run cat $KPTR
before=$(cat $KPTR)
run insmod klpx_demo_v5.ko || fail "cannot load v5"
run cat $KPTR
[ "$(cat $KPTR)" = 1 ] || fail "v5 should have raised kptr_restrict"
run "grep kptr_guard $TYPES"
say "v6 withdraws the hardening and keeps everything else. It does not" \
    "declare kptr_guard: when it replaces v5, klpx switches the code, then" \
    "drops v5's registration of kptr_guard, the last one. Its variable is" \
    "destroyed with v5's destructor, then v5's release puts the setting" \
    "back - code of a replaced patch, running after the switch."
run insmod klpx_demo_v6.ko || fail "cannot load v6"
run cat $KPTR
[ "$(cat $KPTR)" = "$before" ] || fail "kptr_restrict should be back to $before"
run cat $TYPES
[ "$(live kptr_guard)" = none ] || fail "kptr_guard should be gone"
run rmmod klpx_demo_v5 || fail "cannot remove v5"
run "echo 0 > /sys/kernel/klpx/klpx_demo_v6/enabled" ||
	fail "cannot disable v6"
run rmmod klpx_demo_v6 || fail "cannot remove v6"
run rmmod klpx_demo_accounts

say "That is klpx: the patches own the types of their shadow variables," \
    "state passes from one cumulative patch to the next untouched, and" \
    "what a downgrade drops - variables, and what a fix changed in the" \
    "system - is cleaned up by the code that knows how, at the moment it" \
    "stops being used."
exit 0
