# SPDX-License-Identifier: GPL-2.0
#
# helpers.sh - what the build tier's guest tests share, sourced after the
# guest's functions.sh:
#
#	. "$(dirname "$0")/../functions.sh"
#	. "$(dirname "$0")/../helpers.sh"
#
# The guest runner ships test scripts only; run.sh puts this file in place
# of the line that sources it.  Each test loads a module klpx-build made
# (its init enables the patch), looks at what the fix changed, and takes
# it away again; the transcript around that is always the same.
#
#   patch_on NAME       insmod NAME.ko: its init enables patch NAME
#   patch_off NAME      disable patch NAME, then unload its module
#   on_lines NAME       the transcript lines of patch_on NAME
#   off_lines NAME      the transcript lines of patch_off NAME
#   count_log PATTERN   how many kernel log lines since start_test match
#
# The fixes of patches/ log "klpx-build: ..." lines: the transcript keeps
# them (a test that wants other lines sets TRANSCRIPT after this file).

TRANSCRIPT='^(% |klpx[a-z0-9_-]*: |insmod: |rmmod: |sh: )'

# patch_on(name) - insmod the generated module name; dies if it fails
patch_on() {
	load_mod "$1"
}

# patch_off(name) - disable patch name and unload its module
patch_off() {
	write_file 0 "$KLPX_SYSFS/$1/enabled" || die "cannot disable $1"
	unload_mod "$1"
}

# on_lines(name) - what patch_on(name) logs
on_lines() {
	printf "%% insmod %s.ko\nklpx: enabling patch '%s'\nklpx: '%s': enabled" \
		"$1" "$1" "$1"
}

# off_lines(name) - what patch_off(name) logs
off_lines() {
	printf "%% echo 0 > %s/%s/enabled\nklpx: disabling patch '%s'\nklpx: '%s': disabled\n%% rmmod %s" \
		"$KLPX_SYSFS" "$1" "$1" "$1" "$1"
}

# count_log(pattern) - the number of kernel log lines since start_test
# that match pattern (a basic regular expression, as grep's)
count_log() {
	log_since_start | grep -c -- "$1"
}
