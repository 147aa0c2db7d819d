#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh RESULT KDIR... - the symbols tier: scripts/klpx-syms on its own
# (ELF in, ELF out, checked with readelf), and the rule that klpx.ko, built
# against each KDIR, reaches the kernel functions no module exports by
# direct calls only.
#
# Writes "<passed> <failed> <skipped>" to RESULT.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
result=${1:-/dev/null}
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tool=$work/klpx-syms
pass=0 fail=0 n=0

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $1"; }
finish() {
	echo "1..$n"
	echo "symbols: $pass passed, $fail failed"
	echo "$pass $fail 0" >"$result"
	[ "$fail" -eq 0 ]
	exit
}

if ! gcc -O2 -Wall -o "$tool" "$top/scripts/klpx-syms.c" \
	"$top/scripts/klpx-syms-elf.c" -lelf; then
	not_ok "klpx-syms builds"
	finish
fi

# cc NAME - compile $work/NAME.c as kernel code is compiled (no PIC,
# kernel code model), with klpx.h; prints nothing on success
cc() {
	gcc -O2 -c -fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables \
		-I"$here/shim" -I"$top/include" -D__KERNEL__ \
		-o "$work/$1.o" "$work/$1.c"
}

# A patch's source: what it uses, with a license in .modinfo.
cat >"$work/head.h" <<'EOF'
#include <linux/klpx.h>
extern int helper(int x);
extern int counter;
extern int dup(void);
extern unsigned long kfunc(const char *name);
static const char license[] __attribute__((section(".modinfo"), used)) =
	"license=GPL";
EOF

cat >"$work/good.c" <<'EOF'
#include "head.h"
KLPX_SYMBOLS(mymod,
	     KLPX_SYMPOS(helper, 0),
	     KLPX_SYMPOS(counter, 0),
	     KLPX_SYMPOS(dup, 2));
KLPX_SYMBOLS(vmlinux, KLPX_SYMPOS(kfunc, 0));
int *counter_ptr = &counter;
int fix(int x)
{
	counter++;
	return helper(x) + dup() + (int)kfunc("x");
}
EOF

# --- the good patch: prepare, link, convert -----------------------------

if cc good && "$tool" prepare "$work/good.o"; then
	ok "prepare accepts a patch object"
else
	not_ok "prepare accepts a patch object"
	finish
fi

weak=$(readelf -sW "$work/good.o" |
	awk '$5 == "WEAK" && $7 == "UND" { print $8 }' | sort | tr '\n' ' ')
if [ "$weak" = "counter dup helper kfunc " ]; then
	ok "prepare makes exactly the listed symbols weak"
else
	not_ok "prepare makes exactly the listed symbols weak (got: $weak)"
fi

before=$(stat -c %Y.%s "$work/good.o"; md5sum <"$work/good.o")
"$tool" prepare "$work/good.o"
after=$(stat -c %Y.%s "$work/good.o"; md5sum <"$work/good.o")
if [ "$before" = "$after" ]; then
	ok "prepare a second time changes nothing"
else
	not_ok "prepare a second time changes nothing"
fi

if [ "$("$tool" list "$work/good.o" | LC_ALL=C sort | tr '\n' ';')" = \
     "mymod counter 0;mymod dup 2;mymod helper 0;vmlinux kfunc 0;" ]; then
	ok "list prints every listed symbol with its object and position"
else
	not_ok "list prints every listed symbol with its object and position"
fi

ld -r -o "$work/good.ko" "$work/good.o" &&
	"$tool" convert "$work/good.ko" "$work/good.o"
sections=$(readelf -SW "$work/good.ko")
if echo "$sections" | grep -qE '\.klp\.rela\.mymod\.\.text +RELA .* AIo ' &&
   echo "$sections" | grep -qE '\.klp\.rela\.mymod\.\.data +RELA .* AIo ' &&
   echo "$sections" | grep -qE '\.klp\.rela\.vmlinux\.\.text +RELA .* AIo '; then
	ok "convert writes .klp.rela.<object>.<section>, SHF_ALLOC and SHF_RELA_LIVEPATCH"
else
	not_ok "convert writes .klp.rela.<object>.<section>, SHF_ALLOC and SHF_RELA_LIVEPATCH"
fi

syms=$(readelf -sW "$work/good.ko" | awk '$7 == "OS" && $8 == "[0xff20]" { print $9 }' |
	sort | tr '\n' ' ')
if [ "$syms" = ".klp.sym.mymod.counter,0 .klp.sym.mymod.dup,2 .klp.sym.mymod.helper,0 .klp.sym.vmlinux.kfunc,0 " ]; then
	ok "convert names each symbol .klp.sym.<object>.<name>,<pos> in SHN_LIVEPATCH"
else
	not_ok "convert names each symbol .klp.sym.<object>.<name>,<pos> in SHN_LIVEPATCH (got: $syms)"
fi

# Every relocation against a klp symbol is in the section of its object.
stray=$(readelf -rW "$work/good.ko" | awk '
	/^Relocation section/ { sec = $3; gsub(/\047/, "", sec); next }
	/\.klp\.sym\./ {
		split($5, a, "."); obj = a[4]
		if (index(sec, ".klp.rela." obj ".") != 1) print sec ": " $5
	}
	/^ *[0-9a-f]+ / && $5 != "" && $5 !~ /\.klp\.sym\./ && sec ~ /^\.klp/ { print sec ": " $5 }')
moved=$(readelf -rW "$work/good.ko" | grep -c '\.klp\.sym\.')
if [ -z "$stray" ] && [ "$moved" -eq 5 ]; then
	ok "convert moves all 5 relocations of listed symbols, and only those"
else
	not_ok "convert moves all 5 relocations of listed symbols, and only those ($moved moved; stray: $stray)"
fi

if readelf -p .modinfo "$work/good.ko" | grep -q 'livepatch=Y' &&
   readelf -p .modinfo "$work/good.ko" | grep -q 'license=GPL'; then
	ok "convert marks the module livepatch=Y and keeps its modinfo"
else
	not_ok "convert marks the module livepatch=Y and keeps its modinfo"
fi

cp "$work/good.ko" "$work/good.ko.1"
"$tool" convert "$work/good.ko" "$work/good.o"
if cmp -s "$work/good.ko" "$work/good.ko.1"; then
	ok "convert a second time changes nothing"
else
	not_ok "convert a second time changes nothing"
fi

# --- a module that is no live patch (klpx.ko): convert-lib ---------------

cat >"$work/lib.c" <<'EOF'
#include "head.h"
KLPX_SYMBOLS(vmlinux, KLPX_SYMPOS(kfunc, 0));
unsigned long lookup(void)
{
	return kfunc("x");
}
EOF
if cc lib && "$tool" prepare "$work/lib.o" &&
   ld -r -o "$work/lib.ko" "$work/lib.o" &&
   "$tool" convert-lib "$work/lib.ko" "$work/lib.o" &&
   readelf -sW "$work/lib.ko" | grep -q '\.klp\.sym\.vmlinux\.kfunc,0' &&
   readelf -p .modinfo "$work/lib.ko" | grep -q 'license=GPL' &&
   ! readelf -p .modinfo "$work/lib.ko" | grep -q 'livepatch'; then
	ok "convert-lib converts vmlinux symbols and leaves livepatch=Y out"
else
	not_ok "convert-lib converts vmlinux symbols and leaves livepatch=Y out"
fi

ld -r -o "$work/patch.ko" "$work/good.o"
sum=$(md5sum <"$work/patch.ko")
if err=$("$tool" convert-lib "$work/patch.ko" "$work/good.o" 2>&1); then
	not_ok "convert-lib refuses symbols of a module: accepted"
elif case "$err" in *"only a live patch may list symbols of a module"*) false ;; *) true ;; esac; then
	not_ok "convert-lib refuses symbols of a module: said \"$err\""
elif [ "$(md5sum <"$work/patch.ko")" != "$sum" ]; then
	not_ok "convert-lib refuses symbols of a module: the file changed"
else
	ok "convert-lib refuses symbols of a module, and writes nothing"
fi

# --- bad input: a clear error, and nothing written ------------------------

# refused NAME STEP MESSAGE TITLE - klpx-syms STEP on NAME fails, says
# MESSAGE, and leaves the file byte for byte as it was
refused() {
	local f="$work/$1.o" err sum
	sum=$(md5sum <"$f")
	if err=$("$tool" "$2" "$f" 2>&1); then
		not_ok "$4: accepted"
		return
	fi
	case "$err" in
	*"$3"*) ;;
	*) not_ok "$4: said \"$err\""; return ;;
	esac
	if [ "$(md5sum <"$f")" != "$sum" ] || [ -e "$f.klpx-tmp" ]; then
		not_ok "$4: the file changed"
		return
	fi
	ok "$4"
}

cat >"$work/unused.c" <<'EOF'
#include "head.h"
KLPX_SYMBOLS(mymod, KLPX_SYMPOS(helper, 0), KLPX_SYMPOS(dup, 0));
int fix(int x) { return helper(x); }
EOF
cc unused && refused unused prepare \
	"symbol 'dup' is listed in KLPX_SYMBOLS(mymod, ...) but the code never uses it" \
	"a listed symbol the code never uses is refused"

cat >"$work/twice.c" <<'EOF'
#include "head.h"
KLPX_SYMBOLS(mymod, KLPX_SYMPOS(helper, 0));
KLPX_SYMBOLS(other, KLPX_SYMPOS(helper, 1));
int fix(int x) { return helper(x); }
EOF
cc twice && refused twice prepare "symbol 'helper' is listed twice" \
	"a symbol listed twice is refused"

cat >"$work/badobj.c" <<'EOF'
#include "head.h"
KLPX_SYMBOLS(my-mod, KLPX_SYMPOS(helper, 0));
int fix(int x) { return helper(x); }
EOF
cc badobj && refused badobj prepare "has a '-': module names use '_'" \
	"an object name no module can have is refused"

cat >"$work/longobj.c" <<'EOF'
#include "head.h"
KLPX_SYMBOLS(a_module_name_that_is_far_too_long_for_any_module_to_have_it,
	     KLPX_SYMPOS(helper, 0));
int fix(int x) { return helper(x); }
EOF
cc longobj && refused longobj prepare "is too long for a module name" \
	"an object name longer than a module name can be is refused"

cat >"$work/defined.c" <<'EOF'
#include "head.h"
KLPX_SYMBOLS(mymod, KLPX_SYMPOS(helper, 0));
int helper(int x) { return x; }
EOF
cc defined && refused defined prepare "but defined in this module" \
	"a listed symbol the module defines is refused"

cat >"$work/initref.c" <<'EOF'
#include "head.h"
KLPX_SYMBOLS(mymod, KLPX_SYMPOS(helper, 0));
__attribute__((section(".init.text"))) int fix_init(int x) { return helper(x); }
EOF
cc initref && refused initref prepare "is used in .init.text" \
	"a module symbol used by init code is refused"

echo "this is not an object file" >"$work/text.o"
refused text prepare "not an ELF file" "a file that is not ELF is refused"
gcc -O2 -o "$work/exe.o" -x c - <<'EOF'
int main(void) { return 0; }
EOF
refused exe convert "not a relocatable x86-64 ELF object" \
	"an executable is refused"

# --- klpx.ko: direct calls only -------------------------------------------

# For each kernel given (its headers), build klpx.ko from a copy of the
# tree and check it: IBT matters most on 6.12, whose kernel seals ENDBR.
for kdir in "$@"; do
	kver=$(basename "$kdir" | sed "s/^linux-headers-//")
	copy=$work/klpx-$kver
	mkdir -p "$copy/scripts"
	cp -r "$top/Kbuild" "$top/core" "$top/shadow" "$top/include" "$copy/"
	cp "$top/scripts/patch.kbuild" "$top/scripts/klpx-syms.c" \
	   "$top/scripts/klpx-syms-elf.c" "$top/scripts/klpx-syms.h" \
	   "$copy/scripts/"
	title="klpx.ko for $kver calls unexported kernel functions only directly"
	if ! make -s -C "$kdir" M="$copy" modules >"$work/build.log" 2>&1; then
		cat "$work/build.log"
		not_ok "$title: klpx.ko does not build"
	elif python3 "$here/check_direct_calls.py" "$copy/klpx.ko" \
		"$kdir/Module.symvers"; then
		ok "$title"
	else
		not_ok "$title"
	fi
	title="klpx.ko for $kver: its direct stub is reached by ftrace's direct call only and branches indirectly nowhere"
	if [ ! -f "$copy/klpx.ko" ]; then
		not_ok "$title: klpx.ko does not build"
	elif python3 "$here/check_direct_stub.py" "$copy/klpx.ko"; then
		ok "$title"
	else
		not_ok "$title"
	fi
done
[ $# -gt 0 ] || not_ok "klpx.ko checked for direct calls: no kernel headers given"

finish
