# SPDX-License-Identifier: GPL-2.0
#
# functions.sh - shell helpers for the klpx guest tests.
#
# A test is tests/NAME.sh, run by busybox ash (POSIX sh plus "local") as
# root in the guest, with klpx.ko already loaded.  It starts with
#
#	. "$(dirname "$0")/../functions.sh"
#	setup_test			# trap cleanup: loaded modules go away
#
# states its scenario as bullets in a comment, drives it with the helpers
# below, and compares what the kernel logged with the expected transcript.
# Exit status: 0 pass, 4 skip, anything else fail.  What a test prints ends
# up as TAP comments; keep it deterministic (names, never raw addresses).
#
# Helpers (each also has its one-line signature comment further down):
#
#   log MSG                       write MSG to the kernel log
#   skip MSG                      the test cannot run here: exit 4
#   die MSG                       the test failed: exit 1
#   setup_test                    install the cleanup trap
#   cleanup                       trap handler: by default cleanup_modules
#   cleanup_modules               disable and unload what load_mod loaded
#   loop_until CMD...             retry CMD until it succeeds (bounded)
#   mod_path NAME                 path of a test module's .ko in the guest
#   is_loaded NAME                true when module NAME is loaded
#   load_mod NAME [PARAM=V...]    insmod a module, die on failure
#   load_failing_mod NAME WANT [PARAM=V...]
#                                 insmod must fail with WANT in its error
#   unload_mod NAME               bounded wait for refcnt 0, rmmod, wait gone
#   unload_failing_mod NAME WANT  rmmod must fail with WANT in its error
#   write_file VALUE PATH         echo VALUE > PATH, logged; returns its status
#   write_failing_file VALUE PATH WANT
#                                 the write must fail with WANT in its error
#   read_file PATH                cat PATH, logged with the value read
#   show PATH                     cat PATH into the transcript as "| line"
#   show_ls DIR                   the entries of DIR into the transcript
#   ctl NAME CMD...               write CMD to test module NAME's debugfs ctl file
#   start_test TITLE              begin a transcript (marks the kernel log)
#   check_result EXPECTED         transcript since start_test must equal EXPECTED
#   log_since_start               kernel log since start_test, timestamps removed
#   assert_eq WHAT EXPECTED ACTUAL  die unless EXPECTED = ACTUAL
#   assert_log PATTERN            die unless the log since start_test matches
#   expect_warning_begin WHY      WARN/BUG lines are allowed until ..._end
#   expect_warning_end [PATTERN]  close it; with PATTERN, die unless it was seen
#   klpx_path                     the path new patches take: direct or ops
#   run_test NAME                 run another guest test; die if it fails
#   disable_patch NAME            echo 0 > the klpx patch's enabled; die on failure
#   klp_off NAME                  disable a kernel livepatch, wait until it is gone
#   set_direct Y|N                klpx's "direct" for the next patches
#   restore_direct                put it back as set_direct found it
#
# A transcript is the kernel log since start_test, timestamps removed, kept
# to the lines matching $TRANSCRIPT (an ERE; default: commands "% ...",
# klpx and test-module messages, insmod/rmmod errors) minus kernel taint
# notices, with hashed pointers (16 hex digits) written PTR.  Helpers log
# every command they run as "% CMD", so the transcript reads like a session.
#
# The runner fails the whole tier on any WARNING/BUG/Oops/stall in the
# kernel log outside expect_warning_begin/_end.

MAX_RETRIES=${MAX_RETRIES:-600}
RETRY_INTERVAL=${RETRY_INTERVAL:-0.1}
KLPX_MODDIR=${KLPX_MODDIR:-/lib/modules/$(uname -r)/extra}
KLPX_SYSFS=/sys/kernel/klpx
KLPX_DEBUGFS=/sys/kernel/debug/klpx
# One load attempt per insmod (busybox's retries a failed one).
KLPX_INSMOD=${KLPX_INSMOD:-/bin/klpx-insmod}
[ -x "$KLPX_INSMOD" ] || KLPX_INSMOD=insmod
TRANSCRIPT=${TRANSCRIPT:-'^(% |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'}
ksft_skip=4

# Modules loaded by this test, newest first (cleanup unloads them).
LOADED_MODS=""
# The start_test marker of the current transcript.
TEST_MARK=""
TEST_SEQ=0
WARN_MARK=""

# log(msg) - write msg to the kernel log
log() {
	echo "$*" >/dev/kmsg
}

# skip(msg) - the test cannot run in this guest: exit 4
skip() {
	log "klpx-selftest: SKIP: $*"
	echo "SKIP: $*"
	exit $ksft_skip
}

# die(msg) - the test failed: say why and exit 1
die() {
	log "klpx-selftest: ERROR: $*"
	echo "ERROR: $*"
	exit 1
}

# setup_test() - install the cleanup trap; call once at the top of a test
setup_test() {
	[ "$(id -u)" = 0 ] || skip "tests run as root"
	trap cleanup EXIT
	trap 'exit 1' INT TERM HUP
}

# cleanup() - trap handler: disable klpx patches of modules this test
# loaded, then unload those modules, newest first.  A test that needs more
# defines its own cleanup() after sourcing this file and calls
# cleanup_modules from it.
cleanup() {
	cleanup_modules
}

# cleanup_modules() - disable and unload every module load_mod loaded
cleanup_modules() {
	local m retries=$MAX_RETRIES
	# A module something else still holds is not worth a long wait here.
	MAX_RETRIES=50
	for m in $LOADED_MODS; do
		is_loaded "$m" || continue
		if [ -e "$KLPX_SYSFS/$m/enabled" ] &&
		   [ "$(cat "$KLPX_SYSFS/$m/enabled")" = 1 ]; then
			echo 0 >"$KLPX_SYSFS/$m/enabled" 2>/dev/null
		fi
		loop_until "[ \"\$(cat /sys/module/$m/refcnt 2>/dev/null)\" = 0 ]" \
			>/dev/null 2>&1
		rmmod "$m" 2>/dev/null
	done
	MAX_RETRIES=$retries
	LOADED_MODS=""
}

# loop_until(cmd...) - run cmd (eval'd) until it succeeds; at most
# $MAX_RETRIES tries, $RETRY_INTERVAL seconds apart.  Returns 1 on give-up.
loop_until() {
	local i=0
	while :; do
		eval "$*" && return 0
		i=$((i + 1))
		[ $i -ge "$MAX_RETRIES" ] && return 1
		sleep "$RETRY_INTERVAL"
	done
}

# mod_path(name) - print the path of test module name's .ko in the guest
mod_path() {
	echo "$KLPX_MODDIR/$1.ko"
}

# is_loaded(name) - true when module name is loaded
is_loaded() {
	[ -d "/sys/module/$1" ] && [ -e "/sys/module/$1/refcnt" ]
}

# __insmod(name, params...) - insmod from the module folder, so errors
# name "NAME.ko" rather than a path; prints insmod's error, returns its status
__insmod() {
	local mod="$1"; shift
	[ -f "$(mod_path "$mod")" ] || skip "no module $mod.ko in this guest"
	(cd "$KLPX_MODDIR" && "$KLPX_INSMOD" "$mod.ko" "$@" 2>&1)
}

# load_mod(name, params...) - insmod a module; die if it fails
load_mod() {
	local mod="$1"; shift
	local msg="% insmod $mod.ko $*" err

	log "${msg% }"
	if ! err=$(__insmod "$mod" "$@"); then
		[ -n "$err" ] && log "$err"
		die "cannot load $mod: $err"
	fi
	LOADED_MODS="$mod $LOADED_MODS"
	loop_until "is_loaded $mod" || die "module $mod does not appear in sysfs"
}

# load_failing_mod(name, want, params...) - insmod must fail and its error
# must contain want (an errno text such as "Invalid argument")
load_failing_mod() {
	local mod="$1" want="$2"; shift 2
	local msg="% insmod $mod.ko $*" err

	log "${msg% }"
	if err=$(__insmod "$mod" "$@"); then
		LOADED_MODS="$mod $LOADED_MODS"
		die "$mod loaded, expected a failure with \"$want\""
	fi
	log "$err"
	case "$err" in
	*"$want"*) ;;
	*) die "loading $mod failed with \"$err\", expected \"$want\"" ;;
	esac
}

# unload_mod(name) - wait (bounded) until nothing holds name, rmmod it,
# wait until it is gone; die on failure
unload_mod() {
	local mod="$1" err

	loop_until "[ \"\$(cat /sys/module/$mod/refcnt 2>/dev/null)\" = 0 ]" ||
		die "module $mod is still in use (refcnt $(cat "/sys/module/$mod/refcnt" 2>/dev/null))"
	log "% rmmod $mod"
	if ! err=$(rmmod "$mod" 2>&1); then
		log "$err"
		die "cannot unload $mod: $err"
	fi
	loop_until "! is_loaded $mod" || die "module $mod does not go away"
}

# unload_failing_mod(name, want) - rmmod must fail with want in its error
unload_failing_mod() {
	local mod="$1" want="$2" err

	log "% rmmod $mod"
	if err=$(rmmod "$mod" 2>&1); then
		die "$mod unloaded, expected a failure with \"$want\""
	fi
	log "$err"
	case "$err" in
	*"$want"*) ;;
	*) die "unloading $mod failed with \"$err\", expected \"$want\"" ;;
	esac
}

# __write(value, path) - write value to path; on failure prints
# "write error: <errno text>" whether the open or the write failed (ash
# says "can't create PATH: ..." for the former), and returns 1
__write() {
	local out
	out=$( { echo "$1" >"$2"; } 2>&1 ) && return 0
	echo "write error: ${out##*: }"
	return 1
}

# write_file(value, path) - echo value > path, logged; returns the status
# and logs the error on failure
write_file() {
	local err
	log "% echo $1 > $2"
	if ! err=$(__write "$1" "$2"); then
		log "sh: $err"
		return 1
	fi
}

# write_failing_file(value, path, want) - the write must fail with want
write_failing_file() {
	local err
	log "% echo $1 > $2"
	if err=$(__write "$1" "$2"); then
		die "writing \"$1\" to $2 succeeded, expected \"$3\""
	fi
	log "sh: $err"
	case "$err" in
	*"$3"*) ;;
	*) die "writing \"$1\" to $2 failed with \"$err\", expected \"$3\"" ;;
	esac
}

# read_file(path) - print the content of path and log "% cat path" + it
read_file() {
	local v
	v=$(cat "$1") || die "cannot read $1"
	log "% cat $1"
	[ -n "$v" ] && echo "$v" | while IFS= read -r l; do log "$l"; done
	echo "$v"
}

# show(path) - cat path into the transcript, each line as "| line"
show() {
	log "% cat $1"
	cat "$1" | while IFS= read -r l; do log "| $l"; done
}

# show_ls(dir) - the entries of dir into the transcript
show_ls() {
	log "% ls $1"
	ls "$1" | while IFS= read -r l; do log "| $l"; done
}

# ctl(name, cmd...) - write cmd to /sys/kernel/debug/<name>/ctl, the
# command file of the klpx test modules; returns the write's status
ctl() {
	local mod="$1"; shift
	write_file "$*" "/sys/kernel/debug/$mod/ctl"
}

# insmod_async(mod, file) - load mod in the background, its messages into
# file, its pid in $loader; the caller logs the command and waits for it
insmod_async() {
	(cd "$KLPX_MODDIR" && "$KLPX_INSMOD" $1.ko >"$2" 2>&1)&
	loader=$!
}

# transition_lists(pattern, who) - wait until a line of the debugfs
# transition file matches the grep pattern; else die saying who is missing
transition_lists() {
	loop_until "grep -q '$1' $KLPX_DEBUGFS/transition" ||
		die "the transition file does not list $2: $(cat $KLPX_DEBUGFS/transition)"
}

# start_test(title) - begin a transcript: everything logged from here on
# is what check_result compares
start_test() {
	TEST_SEQ=$((TEST_SEQ + 1))
	TEST_MARK="klpx-selftest: ===== TEST $$.$TEST_SEQ: $* ====="
	echo "TEST: $*"
	log "$TEST_MARK"
}

# __log_since(marker) - kernel log after the last line equal to marker,
# timestamps removed
__log_since() {
	dmesg | sed 's/^\[[ 0-9.]*\] //' | awk -v m="$1" '
		$0 == m { n = 0; delete l; next }
		{ l[++n] = $0 }
		END { for (i = 1; i <= n; i++) print l[i] }'
}

# log_since_start() - kernel log since start_test, timestamps removed
log_since_start() {
	[ -n "$TEST_MARK" ] || die "log_since_start without start_test"
	__log_since "$TEST_MARK"
}

# check_result(expected) - the transcript since start_test must equal
# expected (one message a line); prints a diff and dies otherwise
check_result() {
	local expect="$*" result
	result=$(log_since_start | grep -E "$TRANSCRIPT" |
		 grep -vE 'taints kernel|tainting kernel|module verification failed' |
		 sed -E 's/(^|[^0-9a-f])[0-9a-f]{16}([^0-9a-f]|$)/\1PTR\2/g')
	if [ "$expect" = "$result" ]; then
		echo "ok"
		return 0
	fi
	echo "not ok: transcript differs (-expected +result)"
	echo "$expect" >/tmp/expected.$$
	echo "$result" >/tmp/result.$$
	diff -u /tmp/expected.$$ /tmp/result.$$ | tail -n +3
	rm -f /tmp/expected.$$ /tmp/result.$$
	die "transcript differs"
}

# assert_eq(what, expected, actual) - die unless expected equals actual
assert_eq() {
	[ "$2" = "$3" ] && return 0
	die "$1: expected \"$2\", got \"$3\""
}

# assert_log(pattern) - die unless a kernel log line since start_test
# matches the ERE pattern
assert_log() {
	log_since_start | grep -qE "$1" ||
		die "no kernel log line matching \"$1\""
}

# expect_warning_begin(why) - a WARNING/BUG/Oops that follows is expected:
# the runner does not fail the tier for it (until expect_warning_end)
expect_warning_begin() {
	WARN_MARK="klpx-selftest: expect-warning begin: $*"
	log "$WARN_MARK"
}

# expect_warning_end([pattern]) - stop expecting warnings; with pattern
# (an ERE), die unless a kernel log line since the begin matches it
expect_warning_end() {
	log "klpx-selftest: expect-warning end"
	[ -n "$WARN_MARK" ] || die "expect_warning_end without begin"
	if [ -n "$1" ] && ! __log_since "$WARN_MARK" | grep -qE "$1"; then
		WARN_MARK=""
		die "expected a kernel log line matching \"$1\""
	fi
	WARN_MARK=""
}

# klpx_path() - print the path klpx gives new patches' functions: "direct"
# (klpx's parameter "direct" on, the default) or "ops"
klpx_path() {
	if [ "$(cat /sys/module/klpx/parameters/direct 2>/dev/null)" = Y ]; then
		echo direct
	else
		echo ops
	fi
}

# run_test(name) - run guest test name as it is, its output prefixed with
# "name: "; die if it fails (a skip is not a failure)
run_test() {
	local out rc=0
	out=$(sh "$(dirname "$0")/$1.sh" 2>&1) || rc=$?
	echo "$out" | sed "s/^/$1: /"
	[ $rc = 0 ] || [ $rc = $ksft_skip ] || die "$1 fails (status $rc)"
}

# disable_patch(name) - write 0 to klpx patch name's enabled file, logged;
# die if the write fails
disable_patch() {
	write_file 0 "$KLPX_SYSFS/$1/enabled" || die "cannot disable $1"
}

# klp_off(name) - disable the kernel livepatch of module name, once its
# transition is over, and wait until it is gone (nothing if it is not
# there); die on a timeout
klp_off() {
	local dir=/sys/kernel/livepatch/$1
	[ -n "$1" ] && [ -d "$dir" ] || return 0
	loop_until "[ \"\$(cat $dir/transition)\" = 0 ]" ||
		die "the kernel livepatch $1 does not finish its transition"
	echo 0 >"$dir/enabled"
	loop_until "[ ! -d $dir ]" ||
		die "the kernel livepatch $1 does not go away"
}

# set_direct(Y|N) - klpx's parameter "direct" for the patches enabled
# next; the first call remembers the value restore_direct puts back.
# Skips the test where klpx has no such parameter.
set_direct() {
	local p=/sys/module/klpx/parameters/direct
	[ -w $p ] || skip "klpx has no direct path here"
	[ -n "$DIRECT_WAS" ] || DIRECT_WAS=$(cat $p)
	echo "$1" >$p || die "cannot set klpx's parameter direct to $1"
}

# restore_direct() - klpx's parameter "direct" as set_direct found it
restore_direct() {
	[ -n "$DIRECT_WAS" ] &&
		echo "$DIRECT_WAS" >/sys/module/klpx/parameters/direct
	DIRECT_WAS=
}
