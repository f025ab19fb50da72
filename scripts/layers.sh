#!/bin/sh
# Checks that the code's dependencies run downwards (see the Makefile's
# DEPS_<folder>): every header a file of src/FOLDER includes, and every
# function or variable its object uses from another object, is its own
# folder's or a lower folder's, and no two files depend on each other,
# directly or through others. `make layers` runs it on the built objects.
#
# An external library may also be confined to one folder, its only door
# (libvirt and libxml2 to src/libvirt/): a spec =FOLDER:HEADERDIR:PREFIX
# says that only FOLDER's files include <HEADERDIR/...> and only its
# objects call functions named PREFIX*.
#
# usage: scripts/layers.sh OBJDIR FOLDER:LOWER,LOWER... [=FOLDER:DIR:PREFIX]...
set -eu

objdir=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for spec in "$@"; do
	case "$spec" in
	=*) echo "${spec#=}" | tr ':' ' ' >> "$tmp/doors" ;;
	*) echo "$spec" | tr ':,' '  ' >> "$tmp/deps" ;;
	esac
done
touch "$tmp/doors" "$tmp/deps"

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
# Libraries with one door.
while read -r door hdr prefix; do
	for f in src/*/*.[ch]; do
		from=$(echo "$f" | cut -d/ -f2)
		[ "$from" = "$door" ] && continue
		if grep -q "^#include <$hdr/" "$f"; then
			echo "$f: includes <$hdr/...>, which only $door/ may" >&2
			fail=1
		fi
	done
	for o in $(find "$objdir" -name '*.o'); do
		from=$(echo "${o#"$objdir"/}" | cut -d/ -f1)
		[ "$from" = "$door" ] && continue
		for sym in $(nm -u "$o" | awk -v p="$prefix" \
		    'index($2, p) == 1 {print $2}'); do
			echo "$o uses $sym, which only $door/ may" >&2
			fail=1
		done
	done
done < "$tmp/doors"
[ "$fail" = 0 ] && echo "layers: includes and calls run downwards, no loops"
exit "$fail"
