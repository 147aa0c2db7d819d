#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tree.sh KVER - print the folder of the prepared Debian source tree of
# kernel release KVER, preparing it first when it is not in the cache.
#
# The tree is linux-source-<version> of exactly the Debian version the
# image in the cache was built from (checked against the image's
# changelog), configured with the headers package's .config and prepared
# with Debian's gcc-12 (checked against CONFIG_GCC_VERSION): make
# olddefconfig modules_prepare, which builds the generated headers and
# objtool; single objects are then built with "make <dir>/<file>.o".
#
# It lives in $CACHE/build-src/KVER and is marked complete by a .klpx-ready
# file; one preparation at a time (flock).  Progress goes to stderr.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${CACHE:-$top/.cache}
kver=$1
[ -n "$kver" ] || { echo "usage: $0 KVER" >&2; exit 2; }
kdir=$(KVER=$kver CACHE=$CACHE "$top/scripts/kver.sh" --kdir)
tree=$CACHE/build-src/$kver
say() { echo "klpx-build: $*" >&2; }

# A kernel this source cannot build (see the configuration check below)
# is refused again at once, until its headers or this script change.
unfit=$CACHE/build-src/$kver.unfit
if [ -s "$unfit" ] && [ "$unfit" -nt "$kdir/.config" ] && [ "$unfit" -nt "$0" ]; then
	say "$(cat "$unfit")"
	exit 1
fi
if [ -e "$tree/.klpx-ready" ]; then
	echo "$tree"
	exit 0
fi
mkdir -p "$CACHE/build-src"
exec 7>"$CACHE/build-src/.$kver.lock"
flock 7
if [ -e "$tree/.klpx-ready" ]; then
	echo "$tree"
	exit 0
fi

[ -f "$kdir/.config" ] || { say "no headers for $kver at $kdir (make deps KVER=$kver)"; exit 1; }
changelog=$(ls "$CACHE/kernel/$kver"/usr/share/doc/linux-image-*/changelog*.gz 2>/dev/null | head -1)
[ -n "$changelog" ] || { say "no image of $kver in the cache (make deps KVER=$kver)"; exit 1; }
# "Sign kernel from linux 6.1.192-3" (linux-6.12 6.12.118-1~deb12u1 for
# 6.12): the source version of the image.
srcver=$(zcat "$changelog" | sed -n 's/.*Sign kernel from linux[-0-9.]* \([^ ]*\).*/\1/p' | head -1)
[ -n "$srcver" ] || srcver=$(zcat "$changelog" | sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p')
upstream=$(echo "$kver" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')

want=$(sed -n 's/^CONFIG_GCC_VERSION=//p' "$kdir/.config")
have=$(gcc-12 -dumpfullversion 2>/dev/null | awk -F. '{ printf "%d%02d%02d", $1, $2, $3 }')
if [ "$want" != "$have" ]; then
	say "$kver was built with gcc $want, this host's gcc-12 is $have: objects would differ"
	exit 1
fi

# The source tarball: the installed linux-source package when it is the
# right version, else the one deps.sh fetches into the cache.
tarball=
inst=$(dpkg-query -W -f='${Version}' "linux-source-$upstream" 2>/dev/null || true)
if [ "$inst" = "$srcver" ] && [ -f "/usr/src/linux-source-$upstream.tar.xz" ]; then
	tarball=/usr/src/linux-source-$upstream.tar.xz
else
	tarball=$(CACHE=$CACHE "$top/scripts/deps.sh" source "$upstream")
	root=${tarball%/usr/src/*}
	got=$(zcat "$root"/usr/share/doc/linux-source-$upstream/changelog.Debian.gz 2>/dev/null |
	      sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p')
	if [ "$got" != "$srcver" ]; then
		say "the image of $kver is from linux $srcver, the source package in reach is $got"
		exit 1
	fi
fi

say "preparing the $srcver source for $kver in $tree (once; minutes)"
start=$(date +%s)
rm -rf "$tree"
mkdir -p "$tree"
tar -xJf "$tarball" -C "$tree" --strip-components=1
cp "$kdir/.config" "$tree/.config"
cp "$kdir/Module.symvers" "$tree/Module.symvers"
make -s -C "$tree" CC=gcc-12 olddefconfig >&2
# The configuration must come out as the image's: an option this source
# cannot give (PREEMPT_RT without Debian's RT patch set, whose source
# package is not in reach) would build objects of another kernel.  The
# compiler's own text and the Rust toolchain's versions may differ.
drift=$(diff <(grep '^CONFIG_' "$kdir/.config" | grep -Ev '^CONFIG_(CC_VERSION_TEXT|RUSTC_[A-Z_]*)=' | sort) \
	     <(grep '^CONFIG_' "$tree/.config" | grep -Ev '^CONFIG_(CC_VERSION_TEXT|RUSTC_[A-Z_]*)=' | sort) |
	sed -n 's/^< \(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p' | head -n 5 | tr '\n' ' ')
if [ -n "$drift" ]; then
	rm -rf "$tree"
	echo "the $srcver source cannot be configured as $kver was: ${drift}not as in its .config$(grep -q '^CONFIG_PREEMPT_RT=y' "$kdir/.config" && echo ' (the PREEMPT_RT patch set is not in this source)')" >"$unfit"
	say "$(cat "$unfit")"
	exit 1
fi
make -s -C "$tree" CC=gcc-12 -j2 modules_prepare >&2
echo "$srcver" >"$tree/.klpx-srcver"
echo $(($(date +%s) - start)) >"$tree/.klpx-prepare-seconds"
touch "$tree/.klpx-ready"
say "prepared $tree in $(cat "$tree/.klpx-prepare-seconds") s"
echo "$tree"
