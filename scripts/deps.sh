#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# deps.sh - install everything klpx needs on a Debian bookworm machine and
# fetch the embedded default kernel image into the cache folder.
#
# Idempotent: when every package is installed and the image is unpacked, it
# does no network work.  KVER= overrides the kernel release.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cache="$top/.cache"
mkdir -p "$cache"

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

updated=
apt_update() {
	[ -n "$updated" ] && return 0
	echo "deps: apt-get update"
	$SUDO apt-get update -q
	updated=1
}

# The release must be known before the package list is complete.
if ! KVER=$("$top/scripts/kver.sh" 2>/dev/null) ||
   ! apt-cache show "linux-headers-$KVER" >/dev/null 2>&1; then
	apt_update
	KVER=$("$top/scripts/kver.sh")
fi
export KVER

pkgs=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/scripts/deps.packages")
pkgs="$pkgs linux-headers-$KVER"

missing=
for p in $pkgs; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt_update
	echo "deps: apt-get install$missing"
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi

# The guest kernel: downloaded, never installed.
kdir="$cache/kernel/$KVER"
if [ ! -f "$kdir/boot/vmlinuz-$KVER" ]; then
	apt_update
	mkdir -p "$cache/debs" "$cache/kernel"
	(cd "$cache/debs" && apt-get download -q "linux-image-$KVER")
	rm -rf "$kdir.tmp"
	dpkg -x "$cache"/debs/linux-image-"$KVER"_*.deb "$kdir.tmp"
	rm -rf "$kdir"
	mv "$kdir.tmp" "$kdir"
fi
echo "deps: ready for $KVER"
