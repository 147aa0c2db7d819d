#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dkms-check.sh [RESULT] - what a packager does, checked: a source copy of
# the committed tree (git archive HEAD) goes through dkms add, build and
# install for the kernels of .cache/headers (make check's, 6.1 and 6.12),
# and each installed klpx.ko must carry that kernel's vermagic.
#
# The host's DKMS state is left alone: dkms runs in a private mount
# namespace whose /etc/dkms/framework.conf points its source, build and
# install trees into a temporary folder; depmod is not run.  dkms itself
# is installed with apt-get when missing.  RESULT (default
# $OUT/results/dkms) gets "<passed> <failed> <skipped>", one case per
# kernel.
set -eu

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
CACHE=${CACHE:-$TOP/.cache}
OUT=${OUT:-$TOP/out}
RESULT=${1:-$OUT/results/dkms}
KERNELS=${DKMS_KERNELS:-6.1 6.12}

mkdir -p "$(dirname "$RESULT")"
rm -f "$RESULT"

fail() {
	echo "dkms-check: FAIL: $*" >&2
	echo "0 1 0" >"$RESULT"
	exit 1
}

if ! command -v dkms >/dev/null; then
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO=sudo
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
		--no-install-recommends dkms || fail "cannot install dkms"
fi
[ "$(id -u)" = 0 ] || fail "runs as root (dkms in a private mount namespace)"

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP/dkms.conf")
[ -n "$version" ] || fail "no PACKAGE_VERSION in dkms.conf"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/klpx-dkms.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/tree" "$tmp/lib"
git -C "$TOP" archive --prefix="klpx-$version/" HEAD | tar -x -C "$tmp/src" ||
	fail "cannot export the tree with git archive"
cat >"$tmp/framework.conf" <<EOT
source_tree="$tmp/src"
dkms_tree="$tmp/tree"
install_tree="$tmp/lib"
EOT

# in_ns CMD... - run CMD where dkms reads our framework.conf
in_ns() {
	unshare -m sh -c 'mount --bind "$1" /etc/dkms/framework.conf && shift && exec "$@"' \
		sh "$tmp/framework.conf" "$@"
}

passed=0 failed=0
in_ns dkms add -m klpx -v "$version" || fail "dkms add"
for k in $KERNELS; do
	kver=$(KERNEL=$k KVER= CACHE=$CACHE "$TOP/scripts/kver.sh")
	kdir=$(KVER=$kver CACHE=$CACHE "$TOP/scripts/kver.sh" --kdir)
	[ -f "$kdir/Makefile" ] || "$TOP/scripts/deps.sh" kernel ||
		fail "no headers for $kver"
	mkdir -p "$tmp/lib/$kver"
	echo "dkms-check: $kver"
	ko=$tmp/lib/$kver/updates/dkms/klpx.ko
	if in_ns dkms build -m klpx -v "$version" -k "$kver" \
			--kernelsourcedir="$kdir" &&
	   in_ns dkms install -m klpx -v "$version" -k "$kver" \
			--kernelsourcedir="$kdir" --no-depmod &&
	   [ -f "$ko" ] &&
	   modinfo -F vermagic "$ko" | grep -q "^$kver "; then
		echo "ok: klpx.ko for $kver: $(modinfo -F vermagic "$ko")"
		passed=$((passed + 1))
	else
		echo "not ok: no klpx.ko for $kver from dkms" >&2
		failed=$((failed + 1))
	fi
done
in_ns dkms remove -m klpx -v "$version" --all --no-depmod >/dev/null ||
	failed=$((failed + 1))

echo "$passed $failed 0" >"$RESULT"
echo "dkms-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
