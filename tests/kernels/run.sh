#!/bin/bash
# make check-kernels: boot Debian's own kernel packages under QEMU (TCG, no
# KVM) with this machine's root filesystem shared read-only over 9p plus a
# tmpfs overlay, run the namespace test suites inside, report per kernel.
#
#   KERNELS       kernels to boot, one after the other: a series (6.1, 6.12:
#                 the newest linux-image-<series>...-amd64-unsigned apt knows)
#                 or a package name (pins it). Default: "6.1 6.12".
#   TESTS         subset (tests/kernels/subset.txt, default), all
#                 (tests/integration tests/daemon), or pytest arguments.
#   KERNEL_EXEC   a shell script to run in the VM instead of the tests; its
#                 output lands in build/check-kernels/<kernel>/log.
#   KERNEL_CACHE  where packages are unpacked (default build/kernels).
#   KERNEL_TIMEOUT  seconds the command may run in one VM (default 900 for
#                 the subset, 2700 otherwise); the VM is killed 60 s later.
#   KERNEL_MEM    VM memory (default 3G).
# Exit status 0 only if every kernel ran its command with exit status 0.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
KERNELS=${KERNELS:-6.1 6.12}
TESTS=${TESTS:-subset}
KERNEL_CACHE=${KERNEL_CACHE:-$repo/build/kernels}
KERNEL_MEM=${KERNEL_MEM:-3G}
results=$repo/build/check-kernels

say() { echo "check-kernels: $*" >&2; }
die() { say "$*"; exit 2; }

# The newest amd64 flavour of a series, e.g. 6.1 -> linux-image-6.1.0-57-
# amd64-unsigned, 6.12 -> linux-image-6.12.118+deb12-amd64-unsigned (the
# [0-9] before -amd64 leaves out the -cloud and -rt flavours).
resolve() {
	local re pkg
	case $1 in linux-image-*) echo "$1"; return ;; esac
	re="^linux-image-${1//./\\.}[.-][0-9][^ ]*[0-9]-amd64-unsigned\$"
	pkg=$(newest "$re")
	if [ -z "$pkg" ]; then		# lists never fetched on this machine?
		apt-get update -qq >&2
		pkg=$(newest "$re")
	fi
	[ -n "$pkg" ] || die "no package matches $re (apt-get update?)"
	echo "$pkg"
}

# Unpack package $1 into the cache once: kernel and modules with their
# modules.dep (made by depmod, as the package's postinst would). Prints the
# directory.
fetch() {
	local pkg=$1 ver dir tmp
	ver=$(apt-cache policy "$pkg" | sed -n 's/^  Candidate: //p')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then	# gone from the archive?
		dir=$(ls -d "$KERNEL_CACHE/${pkg}_"*/.ready 2>/dev/null | tail -1)
		[ -n "$dir" ] || die "$pkg: not in apt's lists, not in $KERNEL_CACHE"
		dirname "$dir"
		return
	fi
	dir=$KERNEL_CACHE/${pkg}_$ver
	if [ ! -e "$dir/.ready" ]; then
		say "fetching $pkg $ver"
		rm -rf "$dir" && mkdir -p "$dir"
		tmp=$(mktemp -d "$KERNEL_CACHE/dl.XXXXXX")
		(cd "$tmp" && apt-get download -q=2 -o APT::Sandbox::User=root "$pkg=$ver") >&2
		dpkg -x "$tmp"/*.deb "$dir"
		rm -rf "$tmp"
		depmod -b "$dir" "$(kver "$dir")"
		touch "$dir/.ready"
	fi
	echo "$dir"
}

newest() { apt-cache search --names-only "$1" | cut -d' ' -f1 | sort -V | tail -1; }
kver() { ls "$1/lib/modules"; }

# The initramfs, made at each run (in a second): busybox-static, ./init and,
# uncompressed, the modules that reach the 9p shares, in load order.
initramfs() {
	local dir=$1 v st m
	v=$(kver "$dir")
	st=$(mktemp -d)
	mkdir -p "$st/bin" "$st/dev" "$st/mods"
	cp /bin/busybox "$st/bin/busybox"
	ln -s busybox "$st/bin/sh"
	cp "$here/init" "$st/init"
	mknod "$st/dev/console" c 5 1
	modprobe -d "$dir" -S "$v" --show-depends -a virtio_pci 9pnet_virtio 9p \
		overlay virtio-rng | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
	while read -r m; do
		case $m in
		*.xz) xz -dc "$m" >"$st/mods/$(basename "$m" .xz)" ;;
		*) cp "$m" "$st/mods/" ;;
		esac
		basename "${m%.xz}" >>"$st/mods/order"
	done
	(cd "$st" && find . | cpio -o -H newc --quiet) >"$dir/initrd.cpio"
	rm -rf "$st"
}

# What the VM runs, as a script in its results directory.
command_for() {
	local out=$1 args
	if [ -n "${KERNEL_EXEC:-}" ]; then
		cat "$KERNEL_EXEC"
		return
	fi
	case $TESTS in
	subset) args=$(sed 's/#.*//' "$here/subset.txt" | awk 'NF { printf "\x27%s\x27 ", $1 }') ;;
	all) args="tests/integration tests/daemon" ;;
	*) args=$TESTS ;;
	esac
	echo "cd '$repo' || exit 1"
	echo "export COLUMNS=200	# whole lines in pytest's summary"
	echo "exec /usr/bin/python3 -m pytest -q --durations=15 --junitxml='$out/junit.xml' $args"
}

# Boot kernel directory $1 with results directory $2; bounded by timeout.
boot() {
	local dir=$1 out=$2 v limit t0 rc=0
	v=$(kver "$dir")
	initramfs "$dir"
	rm -rf "$out" && mkdir -p "$out"
	cp "$here/guest.sh" "$out/guest.sh"
	command_for "$out" >"$out/cmd"
	echo "$limit_s" >"$out/deadline"
	limit=$((limit_s + 60))
	say "$v: booting $(basename "$dir") (limit ${limit}s)"
	t0=$SECONDS
	: >"$out/log"
	tail -n +1 -F "$out/log" 2>/dev/null &
	tailpid=$!
	timeout -k 10 "$limit" qemu-system-x86_64 -accel tcg,thread=multi \
		-cpu max -smp 2 -m "$KERNEL_MEM" -nodefaults -no-user-config \
		-display none -no-reboot -nic none -serial "file:$out/console.log" \
		-device virtio-rng-pci \
		-kernel "$dir/boot/vmlinuz-$v" -initrd "$dir/initrd.cpio" \
		-append "console=ttyS0 quiet panic=-1 oops=panic mitigations=off bgk.out=$out" \
		-virtfs "local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$dir/lib/modules/$v,mount_tag=modules,security_model=none,readonly=on" \
		-virtfs "local,path=$out,mount_tag=out,security_model=none" \
		</dev/null >"$out/qemu.log" 2>&1 &
	vmpid=$!
	wait "$vmpid" || rc=$?
	vmpid=
	sleep 1				# the log's last lines
	kill "$tailpid" 2>/dev/null || true
	wait "$tailpid" 2>/dev/null || true
	echo $((SECONDS - t0)) >"$out/seconds"
	if [ $rc -ne 0 ]; then
		say "$v: qemu exit $rc (124: killed at the limit); qemu.log, console.log:"
		tail -n 5 "$out/qemu.log" "$out/console.log" >&2 || true
	elif [ ! -e "$out/rc" ]; then
		say "$v: the VM stopped without a result; console.log ends:"
		tail -n 30 "$out/console.log" >&2 || true
	fi
}

# pytest's closing counts in log $1: "N passed", "N failed", "N errors".
count() {
	grep -E ' in [0-9.]+s' "$1" 2>/dev/null | tail -1 | grep -oE "[0-9]+ $2" |
		cut -d' ' -f1 | head -1
}

# One line per kernel, then the failing node ids. 0 if all passed.
report() {
	local status=0 out rc
	echo
	printf '%-28s %6s %6s %6s %8s  %s\n' kernel passed failed errors seconds result
	for out in "$@"; do
		rc=$(cat "$out/rc" 2>/dev/null || echo none)
		printf '%-28s %6s %6s %6s %8s  %s\n' "$(basename "$out")" \
			"$(count "$out/log" passed)" "$(count "$out/log" failed)" \
			"$(count "$out/log" 'errors?')" "$(cat "$out/seconds")" \
			"$([ "$rc" = 0 ] && echo ok || echo "FAIL (exit $rc)")"
		[ "$rc" = 0 ] || status=1
	done
	for out in "$@"; do
		grep -E '^(FAILED|ERROR) ' "$out/log" 2>/dev/null |
			sed "s|^|$(basename "$out"): |" || true
	done
	return $status
}

# Interrupted: stop the VM (timeout passes the signal on) and the log's tail.
stop() {
	[ -z "$vmpid" ] || kill "$vmpid" 2>/dev/null || true
	[ -z "$tailpid" ] || kill "$tailpid" 2>/dev/null || true
}

# In a function, so that bash has read all of this file before it runs.
main() {
	local k pkg dir out def dirs=() outs=()
	[ "$(id -u)" -eq 0 ] || die "needs root (the suites build network namespaces)"
	for k in qemu-system-x86_64 busybox cpio depmod xz apt-get; do
		command -v "$k" >/dev/null || die "$k missing: run scripts/deps.sh"
	done
	case ${KERNEL_EXEC:-}$TESTS in subset) def=900 ;; *) def=2700 ;; esac
	limit_s=${KERNEL_TIMEOUT:-$def}
	case $results in *[[:space:]]*) die "$results: the VM's command line needs a path without spaces" ;; esac
	mkdir -p "$KERNEL_CACHE" "$results"
	for k in $KERNELS; do		# every download before the first boot
		pkg=$(resolve "$k")
		dir=$(fetch "$pkg")
		dirs+=("$dir")
	done
	vmpid= tailpid=
	trap 'stop; exit 130' INT TERM
	for dir in "${dirs[@]}"; do
		out=$results/$(kver "$dir")
		boot "$dir" "$out"
		outs+=("$out")
	done
	report "${outs[@]}"
}

main "$@"
exit
