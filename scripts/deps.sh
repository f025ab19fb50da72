#!/bin/sh
# Install every Debian package bridgeguard needs to build, test, demo,
# benchmark and package it, on Debian 12 and 13 (a minimal system too).
# Shared by the README's commands (./setup), the Makefile (`make deps`)
# and .ci/run (through ./setup).
set -eu

BUILD="build-essential pkg-config libnftnl-dev libmnl-dev libfyaml-dev
       libnetfilter-log-dev libjansson-dev libseccomp-dev libvirt-dev
       libxml2-dev libiptc-dev"
# libvirt-daemon and libvirt-clients: a libvirtd serving the test driver
TEST="libcmocka-dev clang libclang-rt-dev python3-pytest python3-scapy
      libvirt-daemon libvirt-clients
      tcpdump iperf3 dsniff dnsmasq-base isc-dhcp-client nftables iproute2
      iputils-ping procps"
# make install, the .deb and their checks (tests/package)
PACKAGE="dpkg-dev debhelper lintian man-db groff-base bash-completion systemd"
BENCH="iptables ebtables gnuplot-nox"	# baselines the benchmarks compare with
VM="qemu-system-x86 busybox-static cpio kmod xz-utils"	# make check-kernels

missing=""
for p in $BUILD $TEST $PACKAGE $BENCH $VM; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
