#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# deps.sh [kernel | source VERSION] - set up a Debian bookworm machine for
# klpx.
#
#   deps.sh          install the host packages (scripts/deps.packages) and
#                    fetch the kernels make check boots (6.1 and 6.12), plus
#                    the one KERNEL= or KVER= names
#   deps.sh kernel   fetch only the kernel KERNEL= or KVER= names
#   deps.sh source V fetch linux-source-V into the cache, print its tarball
#
# A kernel is its image (booted by QEMU) and its headers (klpx.ko and the
# test modules build against them): linux-image-<release>, and
# linux-headers-<release> with the -common and linux-kbuild packages it
# depends on.  All are downloaded with apt-get download and unpacked with
# dpkg -x into .cache/, never installed: installing the headers of 6.12
# would pull a kernel, initramfs-tools and udev onto the host.
#
# Idempotent: when everything is there, it does no network work.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-$top/.cache}
mkdir -p "$cache/debs"
# One set-up at a time: two would unpack into the same folders.
exec 8>"$cache/.deps.lock"
flock 8

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

# download PKG... - fetch the packages' .debs into $dl (a fresh folder).
download() {
	dl=$(mktemp -d "$cache/debs/dl.XXXXXX")
	# apt's download user must be able to write there.
	chmod 755 "$dl"
	if ! (cd "$dl" && apt-get download -q "$@"); then
		apt_update
		(cd "$dl" && apt-get download -q "$@")
	fi
}

# unpack DEST - dpkg -x every .deb of $dl into DEST.tmp, then drop them:
# the unpacked tree is the cache.
unpack() {
	rm -rf "$1.tmp"
	mkdir -p "$1.tmp"
	for d in "$dl"/*.deb; do
		dpkg -x "$d" "$1.tmp"
	done
	rm -rf "$dl"
}

# depends PKG PATTERN - the packages PKG depends on whose names match PATTERN.
depends() {
	apt-cache depends "$1" | sed -n "s/^ *Depends: \($2\)$/\1/p"
}

fetch_image() {
	local kver=$1 kdir=$cache/kernel/$1
	[ -f "$kdir/boot/vmlinuz-$kver" ] && return 0
	mkdir -p "$cache/kernel"
	echo "deps: fetching linux-image-$kver"
	download "linux-image-$kver"
	unpack "$kdir"
	rm -rf "$kdir"
	mv "$kdir.tmp" "$kdir"
}

# The headers package's Makefile includes its -common twin by absolute
# path under /usr/src; scripts/ and tools/ are relative links into
# usr/lib/linux-kbuild-*, which the same unpacked root holds.  Make the
# include relative to the Makefile, so the tree works where it lies.
fetch_headers() {
	local kver=$1 root=$cache/headers/$1 more
	local kdir=$root/usr/src/linux-headers-$1
	[ -e "$root/.complete" ] && return 0
	mkdir -p "$cache/headers"
	if ! more=$(depends "linux-headers-$kver" 'linux-headers-.*-common.*\|linux-kbuild-.*') ||
	   [ -z "$more" ]; then
		apt_update
		more=$(depends "linux-headers-$kver" 'linux-headers-.*-common.*\|linux-kbuild-.*')
	fi
	echo "deps: fetching linux-headers-$kver" $more
	download "linux-headers-$kver" $more
	unpack "$root"
	sed -i 's|^include /usr/src/\(linux-headers-[^/]*\)/Makefile$|include $(dir $(lastword $(MAKEFILE_LIST)))../\1/Makefile|' \
		"$root.tmp/usr/src/linux-headers-$kver/Makefile"
	if [ ! -f "$root.tmp/usr/src/linux-headers-$kver/scripts/Makefile.build" ]; then
		echo "deps: linux-headers-$kver unpacked without its kbuild scripts" >&2
		exit 1
	fi
	rm -rf "$root"
	mv "$root.tmp" "$root"
	touch "$root/.complete"
	[ -d "$kdir" ]
}

# fetch_kernel [KERNEL] - image and headers of KERNEL (or of KVER).
fetch_kernel() {
	local kver
	if [ -n "$1" ]; then
		kver=$(KVER= KERNEL=$1 CACHE=$cache "$top/scripts/kver.sh")
	else
		kver=$(CACHE=$cache "$top/scripts/kver.sh")
	fi
	fetch_image "$kver"
	fetch_headers "$kver"
	echo "deps: ready for $kver"
}

# The source tarball of a kernel, for KUnit: unpacked into the cache like
# the rest, so that only the tarball needs room.
fetch_source() {
	local v=$1 root=$cache/source/linux-source-$1
	if [ ! -e "$root/.complete" ]; then
		mkdir -p "$cache/source"
		echo "deps: fetching linux-source-$v" >&2
		download "linux-source-$v" >&2
		unpack "$root"
		rm -rf "$root"
		mv "$root.tmp" "$root"
		touch "$root/.complete"
	fi
	echo "$root/usr/src/linux-source-$v.tar.xz"
}

case "$1" in
kernel)
	fetch_kernel
	exit 0 ;;
source)
	fetch_source "$2"
	exit 0 ;;
"") ;;
*)
	echo "usage: $0 [kernel | source VERSION]" >&2
	exit 2 ;;
esac

pkgs=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/scripts/deps.packages")
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

# make check boots 6.1 and 6.12; KERNEL= or KVER= may name one more.
for k in 6.1 6.12; do
	fetch_kernel "$k"
done
if [ -n "$KVER" ] || [ -n "$KERNEL" ]; then
	fetch_kernel
fi
