#!/bin/sh
# Install every Debian package bridgeguard needs to build, test, demo and benchmark.
# Shared by the README, the Makefile (`make deps`) and .ci/run.
set -eu

BUILD="build-essential pkg-config libnftnl-dev libmnl-dev libfyaml-dev
       libnetfilter-log-dev libjansson-dev"
TEST="libcmocka-dev clang libclang-rt-14-dev python3-pytest python3-scapy
      tcpdump iperf3 dsniff dnsmasq-base nftables iproute2 iputils-ping procps"
BENCH="iptables ebtables gnuplot-nox"	# baselines the benchmarks compare with

missing=""
for p in $BUILD $TEST $BENCH; do
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
