#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The sample patches of samples/: the shadow story (fix 1, fix 2 on top,
# the downgrade) and the patch that uses KLPX_SYMBOLS().

. "$(dirname "$0")/../functions.sh"

MOD=klpx_sample_conn
FIX1=klpx_sample_conn_fix1
FIX2=klpx_sample_conn_fix2
SYMS=klpx_sample_syms
CTL=/sys/kernel/debug/$MOD/ctl
CONNS=/sys/kernel/debug/$MOD/conns
TRANSCRIPT='^(% |[|] |klpx[a-z0-9_]*: |insmod: |rmmod: |sh: )'

# show_types() - the debugfs lines of the samples' shadow types
show_types() {
	log "% grep sample_ $KLPX_DEBUGFS/shadow_types"
	grep "name=sample_" $KLPX_DEBUGFS/shadow_types |
		while IFS= read -r l; do log "| $l"; done
}

setup_test

# - conn 1, opened before any fix, leaks its buffer: nothing frees it
# - fix 1 keeps the buffer of conn 2 in a sample_rxbuf variable
# - fix 2 replaces fix 1, takes its variable over and counts bytes in
#   sample_bytes variables, shown in conns
# - fix 1 loaded again (the downgrade) replaces fix 2: the two
#   sample_bytes variables are garbage-collected, the buffer stays
# - closing conn 2 frees its buffer through the dtor; conn 1 has none
# - disabling fix 1 garbage-collects the buffer of conn 3 with the dtor

start_test "fix 1, fix 2, and the downgrade"

load_mod $MOD
ctl $MOD open 1
load_mod $FIX1
ctl $MOD open 2
show_types
load_mod $FIX2
unload_mod $FIX1
ctl $MOD recv 1 50
ctl $MOD recv 2 100
show $CONNS
show_types
load_mod $FIX1
unload_mod $FIX2
show $CONNS
show_types
ctl $MOD close 2
ctl $MOD close 1
ctl $MOD open 3
write_file 0 $KLPX_SYSFS/$FIX1/enabled || die "cannot disable $FIX1"
unload_mod $FIX1
show_types
ctl $MOD close 3
unload_mod $MOD

check_result "% insmod $MOD.ko
% echo open 1 > $CTL
$MOD: conn 1: open
% insmod $FIX1.ko
klpx: enabling patch '$FIX1'
klpx: '$FIX1': enabled
% echo open 2 > $CTL
$MOD: conn 2: open
% grep sample_ $KLPX_DEBUGFS/shadow_types
| id=0x6b780001 name=sample_rxbuf size=16 refs=1 live=1
% insmod $FIX2.ko
klpx: enabling patch '$FIX2'
klpx: '$FIX1': replaced by '$FIX2'
klpx: '$FIX2': enabled
% rmmod $FIX1
% echo recv 1 50 > $CTL
$FIX2: conn 1: received 50 bytes
% echo recv 2 100 > $CTL
$FIX2: conn 2: received 100 bytes
% cat $CONNS
| 2 open
| conn 1 bytes=50
| conn 2 bytes=100
% grep sample_ $KLPX_DEBUGFS/shadow_types
| id=0x6b780001 name=sample_rxbuf size=16 refs=1 live=1
| id=0x6b780002 name=sample_bytes size=8 refs=1 live=2
% insmod $FIX1.ko
klpx: enabling patch '$FIX1'
klpx: '$FIX2': replaced by '$FIX1'
klpx: '$FIX1': enabled
klpx: shadow type sample_bytes (id 0x6b780002) dropped: garbage-collecting 2 variable(s)
% rmmod $FIX2
% cat $CONNS
| 2 open
| conn 1
| conn 2
% grep sample_ $KLPX_DEBUGFS/shadow_types
| id=0x6b780001 name=sample_rxbuf size=16 refs=1 live=1
% echo close 2 > $CTL
$FIX1: conn 2: receive buffer freed
$MOD: conn 2: closed
% echo close 1 > $CTL
$MOD: conn 1: closed
% echo open 3 > $CTL
$MOD: conn 3: open
% echo 0 > $KLPX_SYSFS/$FIX1/enabled
klpx: disabling patch '$FIX1'
klpx: shadow type sample_rxbuf (id 0x6b780001) dropped: garbage-collecting 1 variable(s)
$FIX1: conn 3: receive buffer freed
klpx: '$FIX1': disabled
% rmmod $FIX1
% grep sample_ $KLPX_DEBUGFS/shadow_types
% echo close 3 > $CTL
$MOD: conn 3: closed
% rmmod $MOD"

# - the module allows 4 connections; the sample patch's summary reads
#   the module's two static counters through KLPX_SYMBOLS()
# - disabled, the original summary is back

start_test "a patch using static variables of its target"

load_mod $MOD limit=4
ctl $MOD open 1
show $CONNS
load_mod $SYMS
show $CONNS
ctl $MOD open 2
show $CONNS
write_file 0 $KLPX_SYSFS/$SYMS/enabled || die "cannot disable $SYMS"
unload_mod $SYMS
show $CONNS
unload_mod $MOD

check_result "% insmod $MOD.ko limit=4
% echo open 1 > $CTL
$MOD: conn 1: open
% cat $CONNS
| 1 open
| conn 1
% insmod $SYMS.ko
klpx: enabling patch '$SYMS'
klpx: '$SYMS': enabled
% cat $CONNS
| 1 open, 3 free
| conn 1
% echo open 2 > $CTL
$MOD: conn 2: open
% cat $CONNS
| 2 open, 2 free
| conn 1
| conn 2
% echo 0 > $KLPX_SYSFS/$SYMS/enabled
klpx: disabling patch '$SYMS'
klpx: '$SYMS': disabled
% rmmod $SYMS
% cat $CONNS
| 2 open
| conn 1
| conn 2
% rmmod $MOD"

exit 0
