#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A patch that uses what no module exports (KLPX_SYMBOLS): static helpers
# of the module it patches (one by position), a static variable, and an
# unexported vmlinux function; with the module loaded before and after the
# patch, reloaded while patched, and every symbol that does not resolve
# refused with nothing changed.

. "$(dirname "$0")/../functions.sh"

TARGET=klpx_sym_target
PATCH=klpx_test_sym
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: |livepatch: )'

# untouched() - the target runs its original code, no patch is listed
untouched() {
	show /proc/$TARGET
	show_ls $KLPX_SYSFS
	assert_eq "ftrace hooks on klpx_sym_target_compute" 0 \
		"$(grep -c '^klpx_sym_target_compute ' \
			/sys/kernel/tracing/enabled_functions)"
}

setup_test

# - the patch resolves its vmlinux symbol before its init (the init calls
#   kallsyms_lookup_size_offset() directly)
# - with the target loaded, the enable writes the target's symbols: the
#   replacement returns sym_scale(2) + the second sym_dup = 22 and adds 2
#   to the static sym_total at each call
# - the target removed while patched and loaded again gets its symbols
#   written afresh, without any relocation error, and counts from 0 again
# - disabled, the original runs again
start_test "a patch uses static symbols of a module loaded before it"

load_mod $TARGET
show /proc/$TARGET
load_mod $PATCH
show /proc/$TARGET
show /proc/$TARGET
unload_mod $TARGET
load_mod $TARGET
show /proc/$TARGET
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
show /proc/$TARGET
unload_mod $PATCH
unload_mod $TARGET

check_result "% insmod $TARGET.ko
% cat /proc/$TARGET
| compute: 2
| total: 0
% insmod $PATCH.ko
$PATCH: kallsyms_lookup_size_offset() knows sym_compute
klpx: enabling patch '$PATCH'
klpx: '$PATCH': enabled
% cat /proc/$TARGET
| compute: 22
| total: 2
% cat /proc/$TARGET
| compute: 22
| total: 4
% rmmod $TARGET
klpx: reverting patch '$PATCH' from unloading module '$TARGET'
% insmod $TARGET.ko
klpx: applying patch '$PATCH' to loading module '$TARGET'
% cat /proc/$TARGET
| compute: 22
| total: 2
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
klpx: '$PATCH': disabled
% cat /proc/$TARGET
| compute: 2
| total: 2
% rmmod $PATCH
% rmmod $TARGET"

# - with the patch enabled first, the target's load writes its symbols
#   before its init runs
start_test "a patch uses static symbols of a module loaded after it"

load_mod $PATCH
load_mod $TARGET
show /proc/$TARGET
write_file 0 $KLPX_SYSFS/$PATCH/enabled || die "cannot disable $PATCH"
unload_mod $PATCH
unload_mod $TARGET

check_result "% insmod $PATCH.ko
$PATCH: kallsyms_lookup_size_offset() knows sym_compute
klpx: enabling patch '$PATCH'
klpx: '$PATCH': enabled
% insmod $TARGET.ko
klpx: applying patch '$PATCH' to loading module '$TARGET'
% cat /proc/$TARGET
| compute: 22
| total: 2
% echo 0 > $KLPX_SYSFS/$PATCH/enabled
klpx: disabling patch '$PATCH'
klpx: '$PATCH': disabled
% rmmod $PATCH
% rmmod $TARGET"

# - a module symbol that does not exist, one listed without a position
#   although there are two, and a position past the last fail the enable
#   with -ENOENT, -EINVAL and -ENOENT, naming the patch, the symbol and
#   the object; the target keeps its original code
# - symbols of a module the patch has no object for fail with -EINVAL
start_test "module symbols that do not resolve fail the enable"

load_mod $TARGET
load_failing_mod klpx_test_sym_bad_unknown "No such file or directory"
untouched
load_failing_mod klpx_test_sym_bad_ambiguous "Invalid argument"
load_failing_mod klpx_test_sym_bad_position "No such file or directory"
load_failing_mod klpx_test_sym_bad_no_object "Invalid argument"
untouched
unload_mod $TARGET

check_result "% insmod $TARGET.ko
% insmod klpx_test_sym_bad_unknown.ko
klpx_test_sym_bad_unknown: kallsyms_lookup_size_offset() knows sym_compute
klpx: enabling patch 'klpx_test_sym_bad_unknown'
klpx: 'klpx_test_sym_bad_unknown': symbol 'sym_missing' not found in $TARGET
insmod: can't insert 'klpx_test_sym_bad_unknown.ko': No such file or directory
% cat /proc/$TARGET
| compute: 2
| total: 0
% ls $KLPX_SYSFS
% insmod klpx_test_sym_bad_ambiguous.ko
klpx_test_sym_bad_ambiguous: kallsyms_lookup_size_offset() knows sym_compute
klpx: enabling patch 'klpx_test_sym_bad_ambiguous'
klpx: 'klpx_test_sym_bad_ambiguous': symbol 'sym_dup' is ambiguous in $TARGET (2 of that name): give its position in KLPX_SYMPOS()
insmod: can't insert 'klpx_test_sym_bad_ambiguous.ko': Invalid argument
% insmod klpx_test_sym_bad_position.ko
klpx_test_sym_bad_position: kallsyms_lookup_size_offset() knows sym_compute
klpx: enabling patch 'klpx_test_sym_bad_position'
klpx: 'klpx_test_sym_bad_position': symbol 'sym_dup' has 2 occurrence(s) in $TARGET, not 3
insmod: can't insert 'klpx_test_sym_bad_position.ko': No such file or directory
% insmod klpx_test_sym_bad_no_object.ko
klpx_test_sym_bad_no_object: kallsyms_lookup_size_offset() knows sym_compute
klpx: enabling patch 'klpx_test_sym_bad_no_object'
klpx: 'klpx_test_sym_bad_no_object': it uses symbols of a module it has no object for (.klp.rela.$TARGET..text): add the object, even with no function
insmod: can't insert 'klpx_test_sym_bad_no_object.ko': Invalid argument
% cat /proc/$TARGET
| compute: 2
| total: 0
% ls $KLPX_SYSFS
% rmmod $TARGET"

# - enabled before the target loads, the same bad symbol refuses the
#   target's load instead, and the patch stays enabled for the next try
start_test "a module whose symbols do not resolve is refused at its load"

load_mod klpx_test_sym_bad_unknown
load_failing_mod $TARGET "No such file or directory"
assert_eq "$TARGET loaded" "no" "$(is_loaded $TARGET && echo yes || echo no)"
show $KLPX_SYSFS/klpx_test_sym_bad_unknown/enabled
write_file 0 $KLPX_SYSFS/klpx_test_sym_bad_unknown/enabled ||
	die "cannot disable klpx_test_sym_bad_unknown"
unload_mod klpx_test_sym_bad_unknown

check_result "% insmod klpx_test_sym_bad_unknown.ko
klpx_test_sym_bad_unknown: kallsyms_lookup_size_offset() knows sym_compute
klpx: enabling patch 'klpx_test_sym_bad_unknown'
klpx: 'klpx_test_sym_bad_unknown': enabled
% insmod $TARGET.ko
klpx: applying patch 'klpx_test_sym_bad_unknown' to loading module '$TARGET'
klpx: 'klpx_test_sym_bad_unknown': symbol 'sym_missing' not found in $TARGET
klpx: refusing to load module '$TARGET': patch 'klpx_test_sym_bad_unknown' cannot be applied to it
insmod: can't insert '$TARGET.ko': No such file or directory
% cat $KLPX_SYSFS/klpx_test_sym_bad_unknown/enabled
| 1
% echo 0 > $KLPX_SYSFS/klpx_test_sym_bad_unknown/enabled
klpx: disabling patch 'klpx_test_sym_bad_unknown'
klpx: 'klpx_test_sym_bad_unknown': disabled
% rmmod klpx_test_sym_bad_unknown"

# - an unknown or ambiguous vmlinux symbol fails the patch module's load
#   before its init runs: the kernel's loader names the symbol
start_test "vmlinux symbols that do not resolve fail the load"

load_failing_mod klpx_test_sym_bad_vmlinux_unknown "Invalid argument"
assert_log "livepatch: symbol 'klpx_no_such_vmlinux_function' not found"
load_failing_mod klpx_test_sym_bad_vmlinux_ambiguous "Invalid argument"
# 6.1 names the object "(null)" in this line.
assert_log "livepatch: unresolvable ambiguity for symbol 'load_elf_binary'"
show_ls $KLPX_SYSFS

TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'
check_result "% insmod klpx_test_sym_bad_vmlinux_unknown.ko
insmod: can't insert 'klpx_test_sym_bad_vmlinux_unknown.ko': Invalid argument
% insmod klpx_test_sym_bad_vmlinux_ambiguous.ko
insmod: can't insert 'klpx_test_sym_bad_vmlinux_ambiguous.ko': Invalid argument
% ls $KLPX_SYSFS"
