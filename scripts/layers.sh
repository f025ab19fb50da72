#!/bin/sh
# Checks that the code's dependencies run downwards (see the Makefile's
# DEPS_<folder>): every header a file of src/FOLDER includes, and every
# function or variable its object uses from another object, is its own
# folder's or a lower folder's, and no two files depend on each other,
# directly or through others. `make layers` runs it on the built objects.
#
# usage: scripts/layers.sh OBJDIR FOLDER:LOWER,LOWER... ...
set -eu

objdir=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for spec in "$@"; do
	echo "$spec"
done | tr ':,' '  ' > "$tmp/deps"

# May a file of folder $1 depend on one of folder $2?
allowed() {
	[ "$1" = "$2" ] && return 0
	awk -v f="$1" -v t="$2" '$1 == f { for (i = 2; i <= NF; i++)
	    if ($i == t) found = 1 } END { exit !found }' "$tmp/deps"
}

fail=0

# Includes: of headers only, since the compiler checks the .c files.
for f in src/*/*.[ch]; do
	from=$(echo "$f" | cut -d/ -f2)
	for h in $(sed -n 's/^#include "\(.*\)"/\1/p' "$f"); do
		to=$(ls src/*/"$h" 2>/dev/null | head -1 | cut -d/ -f2)
		if [ -z "$to" ]; then
			echo "$f: includes $h, which is in no folder" >&2
			fail=1
		elif ! allowed "$from" "$to"; then
			echo "$f: includes $h of $to/, above $from/" >&2
			fail=1
		fi
	done
done

# Symbols: who uses what who defines.
for o in $(find "$objdir" -name '*.o'); do
	nm -g --defined-only "$o" | awk -v f="$o" '$2 ~ /[TDBRC]/ {print $3, f}'
done | sort > "$tmp/defs"
for o in $(find "$objdir" -name '*.o'); do
	nm -u "$o" | awk -v f="$o" '{print $2, f}'
done | sort > "$tmp/uses"
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 {print $2, $3, $1}' |
    sort -u > "$tmp/calls"
while read -r user definer sym; do
	from=$(echo "${user#"$objdir"/}" | cut -d/ -f1)
	to=$(echo "${definer#"$objdir"/}" | cut -d/ -f1)
	if ! allowed "$from" "$to"; then
		echo "$user uses $sym of $definer, above it" >&2
		fail=1
	fi
done < "$tmp/calls"
if ! cut -d' ' -f1,2 "$tmp/calls" | tsort > /dev/null 2> "$tmp/loop"; then
	echo "files depend on each other, in a loop:" >&2
	sed -n 's/^tsort: //p' "$tmp/loop" | grep -v 'input contains' >&2
	fail=1
fi
[ "$fail" = 0 ] && echo "layers: includes and calls run downwards, no loops"
exit "$fail"
