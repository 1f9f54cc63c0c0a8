#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what `make check`, `make demo` and the VM lab need, with apt-get.
# Idempotent and quick when everything is present: one dpkg-query, and
# `apt-get update` only when something must be installed.
set -euo pipefail

pkgs=(
	# the two kernels the module is tested on, with headers to build against
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# build
	gcc make pkg-config sparse rsync
	libnl-3-dev libnl-genl-3-dev libssl-dev libjson-c-dev libconfig-dev libevent-dev
	# VM lab
	qemu-system-x86 busybox-static cpio xz-utils kmod util-linux
	# inside the VM: network tools, traffic, peers
	iproute2 iputils-ping iperf3 netcat-openbsd nftables tcpdump python3-scapy jq
	strongswan-charon strongswan-swanctl strongswan-pki libstrongswan-standard-plugins
)

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "# deps: all ${#pkgs[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages (run as root to install): ${missing[*]}" >&2
	exit 1
fi
echo "# deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}" </dev/null >&2
