#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# patches/module.patch changes bm_status_read() of Debian's binfmt_misc
# module (the image's own binfmt_misc.ko): the generated module names the
# object binfmt_misc and reaches the module's static symbols through it.

. "$(dirname "$0")/../functions.sh"
. "$(dirname "$0")/../helpers.sh"

PATCH=build_module
TARGET=binfmt_misc
MNT=/tmp/binfmt_misc
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_-]*: |insmod: |rmmod: |sh: )'
setup_test

# - the patch loaded before the module waits for it: patched=0
# - the module loads: its function is redirected before it is used, the
#   status file reads "enabled (klpx-build)"
# - disabled, the original text is back; everything is removed
start_test "a generated patch of a Debian module, loaded before it"

patch_on $PATCH
show $KLPX_SYSFS/$PATCH/$TARGET/patched
load_mod $TARGET
show $KLPX_SYSFS/$PATCH/$TARGET/patched
mkdir -p $MNT
mount -t binfmt_misc none $MNT || die "cannot mount binfmt_misc"
show $MNT/status
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
show $MNT/status
umount $MNT
unload_mod $PATCH
unload_mod $TARGET

check_result "$(on_lines $PATCH)
% cat $KLPX_SYSFS/$PATCH/$TARGET/patched
| 0
% insmod $TARGET.ko
klpx: applying patch '$PATCH' to loading module '$TARGET'
% cat $KLPX_SYSFS/$PATCH/$TARGET/patched
| 1
% cat $MNT/status
| enabled (klpx-build)
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
klpx: '$PATCH': disabled
% cat $MNT/status
| enabled
% rmmod $PATCH
% rmmod $TARGET"
