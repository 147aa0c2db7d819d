#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kver.sh - print the kernel release of the embedded default: the current
# Debian bookworm kernel, as named by linux-headers-amd64.  KVER overrides.
# Uses the local apt lists only; scripts/deps.sh refreshes them when needed.
set -e
if [ -n "$KVER" ]; then
	echo "$KVER"
	exit 0
fi
dep=$(apt-cache depends linux-headers-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-headers-\(.*-amd64\)$/\1/p' | head -n1)
if [ -z "$dep" ]; then
	# Fall back to the newest installed headers.
	dep=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1 |
		sed 's,^/usr/src/linux-headers-,,')
fi
[ -n "$dep" ] || { echo "kver: cannot resolve the Debian kernel release" >&2; exit 1; }
echo "$dep"
