#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An enabled patch cannot be removed, and its sysfs files take nothing but
# a 0 written by root.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_target
PATCH=klpx_test_core_basic
DIR=$KLPX_SYSFS/$PATCH
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

setup_test

# - rmmod of the enabled patch fails (the module is in use) and changes
#   nothing
# - enabled and replace belong to root, enabled is writable by root only,
#   replace and patched are read-only
# - writing what kstrtobool rejects ("maybe", 2, an empty line) or 1
#   (re-enabling) to enabled fails with EINVAL; replace cannot be opened
#   for writing; the patch stays enabled
# - "echo 0 > enabled && rmmod" works: the module is unpinned by the time
#   the write returns

start_test "rmmod of an enabled patch and bad writes to sysfs"

load_mod $TARGET
load_mod $PATCH
unload_failing_mod $PATCH "Device or resource busy"
assert_eq "mode of enabled" "644 root" "$(stat -c '%a %U' $DIR/enabled)"
assert_eq "mode of replace" "444 root" "$(stat -c '%a %U' $DIR/replace)"
assert_eq "mode of patched" "444 root" \
	"$(stat -c '%a %U' $DIR/vmlinux/patched)"
write_failing_file maybe $DIR/enabled "Invalid argument"
write_failing_file 2 $DIR/enabled "Invalid argument"
write_failing_file "" $DIR/enabled "Invalid argument"
write_failing_file 1 $DIR/enabled "Invalid argument"
( echo 0 >$DIR/replace ) 2>/dev/null && die "writing to replace succeeded"
show $DIR/enabled
show /proc/klpx_target
log "% echo 0 > $DIR/enabled && rmmod $PATCH"
echo 0 >$DIR/enabled && rmmod $PATCH || die "disable and rmmod failed"
is_loaded $PATCH && die "$PATCH is still loaded"
show /proc/klpx_target
unload_mod $TARGET

check_result "% insmod $TARGET.ko
$TARGET: init: greeting: hello from the original
% insmod $PATCH.ko
klpx: enabling patch '$PATCH'
$PATCH: pre_patch vmlinux
$PATCH: pre_patch $TARGET
$PATCH: post_patch vmlinux
$PATCH: post_patch $TARGET
klpx: '$PATCH': enabled
% rmmod $PATCH
rmmod: can't unload module '$PATCH': Device or resource busy
% echo maybe > $DIR/enabled
sh: write error: Invalid argument
% echo 2 > $DIR/enabled
sh: write error: Invalid argument
% echo  > $DIR/enabled
sh: write error: Invalid argument
% echo 1 > $DIR/enabled
sh: write error: Invalid argument
% cat $DIR/enabled
| 1
% cat /proc/klpx_target
| greeting: hello from $PATCH
| version: 0
| items: 1 2 3 4
| counter: -1
% echo 0 > $DIR/enabled && rmmod $PATCH
klpx: disabling patch '$PATCH'
$PATCH: pre_unpatch vmlinux
$PATCH: pre_unpatch $TARGET
$PATCH: post_unpatch vmlinux
$PATCH: post_unpatch $TARGET
klpx: shadow type basic_state (id 0x6b700001) dropped: garbage-collecting 0 variable(s)
klpx: '$PATCH': disabled
% cat /proc/klpx_target
| greeting: hello from the original
| version: 0
| items: 1 2 3 4
| counter: -1
% rmmod $TARGET"

exit 0
