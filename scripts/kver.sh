#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kver.sh [--kdir] - print the release of the kernel KERNEL names, or with
# --kdir the folder of its headers in the cache.
#
#   KERNEL=6.1 (default) | 6.1-rt | 6.12 | 6.12-rt
#   KVER=<release>       an exact release; wins over KERNEL
#
# A KERNEL is resolved through the Debian meta-package that follows it
# (linux-image-amd64, linux-image-rt-amd64, linux-image-6.12-amd64,
# linux-image-6.12-rt-amd64): the release moves with every ABI bump.  The
# local apt lists answer first, then the newest kernel of that kind already
# in the cache (offline work), and only then a refreshed apt list.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:-$top/.cache}
KERNEL=${KERNEL:-6.1}

# The headers are unpacked, never installed: see scripts/deps.sh.
print() {
	if [ "$want_kdir" ]; then
		echo "$CACHE/headers/$1/usr/src/linux-headers-$1"
	else
		echo "$1"
	fi
}

want_kdir=
[ "$1" = --kdir ] && want_kdir=1

if [ -n "$KVER" ]; then
	print "$KVER"
	exit 0
fi

# meta: the suffix of the meta-package; glob: releases of that kind.
case "$KERNEL" in
6.1)		meta=amd64;		glob='6.1.*-amd64' ;;
6.1-rt)		meta=rt-amd64;		glob='6.1.*-rt-amd64' ;;
6.12)		meta=6.12-amd64;	glob='6.12.*-amd64' ;;
6.12-rt)	meta=6.12-rt-amd64;	glob='6.12.*-rt-amd64' ;;
*)
	echo "kver: unknown KERNEL=$KERNEL (one of 6.1, 6.1-rt, 6.12, 6.12-rt; or KVER=<release>)" >&2
	exit 1 ;;
esac

from_apt() {
	apt-cache depends "linux-image-$meta" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([^ ]*-amd64\)$/\1/p' | head -n1
}

# The glob of a non-RT kind also matches RT releases: drop them.
from_cache() {
	ls -d "$CACHE/kernel/"$glob 2>/dev/null | sed 's,.*/,,' |
		{ case "$KERNEL" in *-rt) cat ;; *) grep -v -- '-rt-' ;; esac; } |
		sort -V | tail -n1
}

rel=$(from_apt)
[ -n "$rel" ] || rel=$(from_cache)
if [ -z "$rel" ]; then
	sudo=
	[ "$(id -u)" = 0 ] || sudo="sudo -n"
	echo "kver: linux-image-$meta is not in the apt lists; apt-get update" >&2
	$sudo apt-get update -q >&2 || true
	rel=$(from_apt)
fi
if [ -z "$rel" ]; then
	echo "kver: cannot resolve KERNEL=$KERNEL: no linux-image-$meta in apt, no $glob in $CACHE/kernel" >&2
	exit 1
fi
print "$rel"
