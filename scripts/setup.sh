#!/bin/bash
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
# It is also the README's way in on a machine that has nothing yet: a
# freshly debootstrapped Debian 12 has git (to clone) and a shell, but no
# make. `scripts/setup.sh run` and `scripts/setup.sh check` install what is
# missing, make among it, and then become `make run` or `make check`
# (scripts/check-fresh.sh proves that on such a root). With make at hand,
# `make run` and `make check` do the same: their first step runs this.
#
# Usage: scripts/setup.sh [--bench] [BUILD_DIR]   (default: build)
#        scripts/setup.sh run|check [MAKE_ARGS...]
#   --bench also installs the allocators the benchmark compares against.
#   run, check: then exec make with that target (and MAKE_ARGS); the build
#   folder is $BUILD, default build.
set -eu

target=
case ${1:-} in
run | check)
	target=$1
	shift
	;;
esac

bench_packages=
if [ -z "$target" ] && [ "${1:-}" = --bench ]; then
	bench_packages="libmimalloc2.0 libjemalloc2 libtcmalloc-minimal4"
	shift
fi
if [ -n "$target" ]; then
	build=${BUILD:-build}
else
	build=${1:-build}
fi
tools=$build/tools

# A debootstrapped system has none of these, nor perl (checkpatch.pl needs
# more than perl-base), python3 (a preload test) or libssl-dev (the debug
# kernel's build), nor build-essential (which dpkg-buildpackage insists on).
packages="gcc g++ gcc-multilib make libc6-dev pkg-config clang libclang-rt-14-dev groff-base
	perl python3 libssl-dev
	linux-headers-amd64 linux-image-amd64
	linux-headers-6.12-amd64 linux-image-6.12-amd64
	linux-headers-6.12-rt-amd64 linux-image-6.12-rt-amd64 debootstrap
	qemu-system-x86 busybox-static cpio kmod binutils xz-utils zstd
	libnl-3-dev libnl-genl-3-dev sparse linux-source-6.1 gnuplot-nox
	flex bison bc patch libelf-dev dkms
	build-essential dpkg-dev debhelper dh-dkms lintian $bench_packages"

# Debian 12's kernels of today (and the only 6.12 it has) come through its
# security suite. The installer's sources.list names it; debootstrap's
# names only bookworm itself. When apt knows no linux-image-6.12-amd64 and
# no source names bookworm-security, add it at the main archive's address
# with -security appended, which is how Debian's own mirror network lays
# the two out.
add_security_suite() {
	apt-cache show linux-image-6.12-amd64 >/dev/null 2>&1 && return 0
	# shellcheck disable=SC2016 # $(...) is apt's format, not the shell's
	if apt-get indextargets --format '$(RELEASE)' | grep -qx bookworm-security; then
		return 0
	fi
	# shellcheck disable=SC2016
	uri=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' |
		sed -n 's|^bookworm \(.*[^/]\)/*$|\1|p' | head -n 1)
	if [ -z "$uri" ]; then
		echo "setup: apt knows no linux-image-6.12-amd64 and no bookworm source to add bookworm-security beside" >&2
		exit 1
	fi
	echo "setup: adding bookworm-security ($uri-security) to apt's sources"
	echo "deb $uri-security bookworm-security main" \
		>/etc/apt/sources.list.d/kheap-bookworm-security.list
	apt-get update -q
}

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
	add_security_suite
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

if [ -n "$target" ]; then
	exec make "$target" "$@"
fi
