#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh RESULTFILE - the build tier on one kernel (KERNEL= or KVER=):
# scripts/klpx-build turns each fix of patches/ into a patch module, or
# must refuse it; the guest then boots with the modules and runs tests/.
#
# Cases (CASES below): "build NAME [klpx-build options] PATCH..." must
# succeed and print exactly patches/NAME.funcs; "refuse NAME PATCH..." must
# fail, write nothing, and print exactly the lines of patches/NAME.refused.
# A kernel series whose source differs has its own version of a fix or of
# an expectation in patches/<series>/ (6.12/module.patch).  The guest
# tests get helpers.sh inlined (see there).
# Host cases print TAP like the guest's; RESULTFILE gets the sum
# "<passed> <failed> <skipped>" of both.  Cold and warm times of the
# klpx-build runs go to $OUT/results/build-<release>.times.
set -e -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
TOP=${TOP:-$(cd "$here/../.." && pwd)}
CACHE=${CACHE:-$TOP/.cache}
OUT=${OUT:-$TOP/out}
KVER=${KVER:-$(CACHE=$CACHE "$TOP/scripts/kver.sh")}
KDIR=${KDIR:-$(KVER=$KVER CACHE=$CACHE "$TOP/scripts/kver.sh" --kdir)}
export TOP CACHE OUT KVER KDIR
result=$1
[ -n "$result" ] || { echo "usage: $0 RESULTFILE" >&2; exit 2; }

CASES="
build build_proc_version proc_version.patch
build build_static_call static_call.patch
build build_static_inline static_inline.patch
build build_static_local static_local.patch
build build_shadow_add shadow_add.patch
build build_shadow_drop --replace shadow_drop.patch
build build_module module.patch
refuse refuse_header header.patch
refuse refuse_data_init data_init.patch
refuse refuse_new_global new_global.patch
refuse refuse_init init_code.patch
refuse refuse_signature signature.patch
build build_once once.patch
refuse refuse_once_added once_added.patch
build build_percpu percpu.patch
refuse refuse_this_module this_module.patch
"

series=$(echo "$KVER" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
work=$OUT/build-$KVER
mods=$work/modules
times=$OUT/results/build-$KVER.times
rm -rf "$work"
mkdir -p "$mods" "$OUT/results"
: >"$times"
passed=0 failed=0 n=0

ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# one_case KIND NAME ARGS... - run klpx-build, compare with the expectation
one_case() {
	local kind=$1 name=$2 ko out rc=0 start secs args=() a expect ext
	shift 2
	for a in "$@"; do
		case "$a" in
		*.patch)
			# patches/<series>/ holds the version of a fix for a
			# kernel whose source differs there
			if [ -f "$here/patches/$series/$a" ]; then
				args+=("$here/patches/$series/$a")
			else
				args+=("$here/patches/$a")
			fi ;;
		*) args+=("$a") ;;
		esac
	done
	ko=$mods/$name.ko
	# a fix a kernel's series cannot take: patches/<series>/NAME.refused
	# turns its build case into a refusal there
	[ "$kind" = build ] && [ -f "$here/patches/$series/$name.refused" ] &&
		kind=refuse
	# so does patches/<series>/NAME.funcs or .refused
	ext=funcs
	[ "$kind" = refuse ] && ext=refused
	expect=$here/patches/$name.$ext
	[ -f "$here/patches/$series/$name.$ext" ] &&
		expect=$here/patches/$series/$name.$ext
	start=$(date +%s)
	out=$("$TOP/scripts/klpx-build" --kver "$KVER" --name "$name" \
		-o "$ko" "${args[@]}" 2>"$work/$name.err") || rc=$?
	secs=$(($(date +%s) - start))
	echo "$name $secs" >>"$times"
	case "$kind" in
	build)
		if [ $rc -eq 0 ] && [ -f "$ko" ] &&
		   [ "$out" = "$(cat "$expect")" ]; then
			ok "klpx-build makes $name.ko (${secs}s)"
		else
			not_ok "klpx-build makes $name.ko"
			echo "$out" | sed 's/^/# /'
			sed 's/^/# /' "$work/$name.err"
		fi ;;
	refuse)
		if [ $rc -ne 0 ] && [ ! -e "$ko" ] &&
		   [ "$(grep 'refused:' "$work/$name.err")" = \
		     "$(cat "$expect")" ]; then
			ok "klpx-build refuses $name (${secs}s)"
		else
			not_ok "klpx-build refuses $name (exit $rc)"
			sed 's/^/# /' "$work/$name.err"
			rm -f "$ko"
		fi ;;
	esac
}

echo "$CASES" | while read -r kind name rest; do
	[ -n "$kind" ] || continue
	# shellcheck disable=SC2086
	one_case "$kind" "$name" $rest
done | tee "$work/host.tap"
passed=$(grep -c '^ok ' "$work/host.tap" || true)
failed=$(grep -c '^not ok ' "$work/host.tap" || true)
n=$((passed + failed))

# The Debian module the module case patches, from the image.
for m in binfmt_misc; do
	ko=$(find "$CACHE/kernel/$KVER/lib/modules" -name "$m.ko*" | head -n1)
	case "$ko" in
	*.xz) xz -dc "$ko" >"$mods/$m.ko" ;;
	*.zst) zstd -qdc "$ko" >"$mods/$m.ko" ;;
	?*) cp "$ko" "$mods/$m.ko" ;;
	esac
done

# The guest tests, each with helpers.sh in place of the line sourcing it:
# the guest runner ships test scripts and nothing else of a folder.
mkdir -p "$work/tests"
for t in "$here"/tests/*.sh; do
	awk -v lib="$here/helpers.sh" '
		$0 == ". \"$(dirname \"$0\")/../helpers.sh\"" {
			while ((getline l < lib) > 0) print l
			next
		}
		{ print }' "$t" >"$work/tests/${t##*/}"
	chmod +x "$work/tests/${t##*/}"
done

grest=0
GUEST_TESTS_DIR=$work/tests GUEST_MODULES_DIR=$mods \
	"$TOP/selftests/guest/run.sh" check "$work/guest.result" || grest=$?
read -r gp gf gs <"$work/guest.result" || { gp=0 gf=1 gs=0; }
printf '%s %s %s\n%s\n' $((passed + gp)) $((failed + gf)) "$gs" \
	"$n klpx-build runs on the host and the guest tests of the modules, $KVER" >"$result"
[ $((failed + gf)) -eq 0 ]
