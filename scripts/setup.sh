#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install everything kheap's build and test lane need, then extract the
# tools Debian ships only inside linux-source-6.1 (checkpatch.pl and
# kselftest's lib.mk, runner and headers) into $BUILD/tools. Nothing
# extracted here is committed.
#
# Idempotent and quick the second time: packages are installed only when
# dpkg says one is missing, and the extraction is skipped while its stamp
# is newer than the source tarball and than this script (which says what
# to extract).
#
# Usage: scripts/setup.sh [--bench] [BUILD_DIR]   (default: build)
#   --bench also installs the allocators the benchmark compares against.
set -eu

bench_packages=
if [ "${1:-}" = --bench ]; then
	bench_packages="libmimalloc2.0 libjemalloc2 libtcmalloc-minimal4"
	shift
fi
build=${1:-build}
tools=$build/tools

packages="gcc g++ gcc-multilib make libc6-dev pkg-config clang libclang-rt-14-dev groff-base
	linux-headers-amd64 linux-image-amd64
	linux-headers-6.12-amd64 linux-image-6.12-amd64
	linux-headers-6.12-rt-amd64 linux-image-6.12-rt-amd64 debootstrap
	qemu-system-x86 busybox-static cpio kmod binutils xz-utils zstd
	libnl-3-dev libnl-genl-3-dev sparse linux-source-6.1 gnuplot-nox
	flex bison bc patch libelf-dev dkms $bench_packages"

missing=
for pkg in $packages; do
	status=$(dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null) || status=
	[ "$status" = installed ] || missing="$missing $pkg"
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: missing packages:$missing" >&2
		echo "setup: run 'sudo scripts/setup.sh' once to install them" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# The VM boots the kernel image directly: no host initramfs is wanted.
	export INITRD=No
	apt-get update -q
	# shellcheck disable=SC2086 # word splitting of the list is intended
	apt-get install -y -q --no-install-recommends $missing
fi

src=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
if [ -z "$src" ]; then
	echo "setup: no /usr/src/linux-source-6.1.tar.* after installing linux-source-6.1" >&2
	exit 1
fi

stamp=$tools/.extracted
if [ ! -f "$stamp" ] || [ "$src" -nt "$stamp" ] || [ "$0" -nt "$stamp" ]; then
	echo "setup: extracting checkpatch.pl and kselftest's files from $src"
	rm -rf "$tools"
	mkdir -p "$tools/src"
	# Also extract-vmlinux: scripts/vm-run boots the vmlinux it finds in
	# /boot's bzImage (it needs readelf, unxz for 6.1, unzstd for 6.12).
	tar -xf "$src" -C "$tools/src" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' \
		'*/scripts/extract-vmlinux' \
		'*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/lib.mk' \
		'*/tools/testing/selftests/kselftest/*'
	touch "$stamp"
fi
