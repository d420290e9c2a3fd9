#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, end to end, as a user gets them: built by
# dpkg-buildpackage from a fresh clone, installed with apt into a Debian
# 12 root that has the headers of the kernel the VM lane boots (and no
# kheap), where kheap-dkms's hooks make dkms build kheap.ko; then that
# kheap.ko boots in the VM (scripts/vm-run) with kheapstat, the packaged
# libraries and programs built there against libkheapclient-dev, which
# must all work together (scripts/vm/packages.sh). This host can load no
# module into its own kernel, and its /lib/modules trees belong to the VM
# lane: nothing here installs anything on it.
#
# Also checked: the build built no kernel module, every package carries
# KHEAP_VERSION and dkms.conf says it too, and lintian finds no error or
# warning (its informational tags are listed).
#
# The root (scripts/chroot.sh): debootstrap bookworm minbase with this
# host's apt sources (so the headers of RELEASE are the ones its kernel
# came with), dkms, linux-headers-RELEASE, gcc, pkg-config and the
# packages' dependencies; made once per RELEASE and kept in
# BUILD/debian-check/base-RELEASE, copied anew for each run (the copy of
# the last run stays in BUILD/debian-check/root until the next).
#
# Usage: scripts/check-debian.sh BUILD VERSION RELEASE   (as root; TAP)
#   VERSION: KHEAP_VERSION; RELEASE: the kernel to build for and boot, a
#   release under /lib/modules with /boot/vmlinuz-RELEASE. Logs in
#   BUILD/debian-check/*.log.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
[ $# = 3 ] || { sed -n '/^# Usage:/,/^#   BUILD/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
version=$2 release=$3
mkdir -p "$1/debian-check"
build=$(cd "$1" && pwd)
work=$build/debian-check
src=$work/src/kheap root=$work/root base=$work/base-$release
log=$work/check.log
triplet=x86_64-linux-gnu
packages="kheap-dkms libkheapclient1 libkheapclient-dev kheap-tools"

# shellcheck source=scripts/chroot.sh
. "$top/scripts/chroot.sh"
root_check_start debian "$log"
trap 'root_unmount "$root"' EXIT
trap 'exit 130' INT TERM

# 1: the packages, from a clone of the working tree's tracked files
# (committed or not, as check-install.sh takes them). dpkg-buildpackage
# writes them beside the source folder.
rm -rf "$work/src"
commit=$(git -C "$top" stash create 2>>"$log")
commit=${commit:-$(git -C "$top" rev-parse HEAD)}
echo "# from a clone of $commit (the working tree's tracked files)"
# shellcheck disable=SC2317 # called through passes
clone() {
	git clone -q --no-checkout "$top" "$src" && git -C "$src" checkout -q --detach "$commit"
}
result "$(passes clone)" "a fresh clone of the working tree"
built=$(cd "$src" && passes dpkg-buildpackage -us -uc -b)
result "$built" "dpkg-buildpackage -us -uc -b"
[ "$built" = 1 ] || finish

debs=()
for p in $packages; do
	deb=$(compgen -G "$work/src/${p}_*.deb" | head -n 1)
	got=$(dpkg-deb -f "$deb" Version 2>>"$log")
	result "$([ -n "$deb" ] && [ "$got" = "$version" ] && echo 1 || echo 0)" \
		"it built $p, version $version" "${deb:+version $got}"
	[ -n "$deb" ] && debs+=("$deb")
done
[ ${#debs[@]} = 4 ] || finish

ko=$(for d in "${debs[@]}"; do dpkg-deb -c "$d"; done | grep -E '\.ko(\.[a-z]+)?$')
result "$([ -z "$ko" ] && [ ! -e "$src/build/kmod" ] && echo 1 || echo 0)" \
	"the build built no kernel module, and no package holds one" "$ko"
conf=$(dpkg-deb --fsys-tarfile "${debs[0]}" | tar -xO "./usr/src/kheap-$version/dkms.conf" 2>>"$log")
result "$(grep -qx "PACKAGE_VERSION=\"$version\"" <<<"$conf" && echo 1 || echo 0)" \
	"kheap-dkms has /usr/src/kheap-$version/dkms.conf, PACKAGE_VERSION $version"

lintian=$(lintian -I --pedantic "$work/src/kheap_${version}_amd64.changes" 2>&1 |
	grep -v '^running with root privileges')
tags=$(grep -E '^[EW]: ' <<<"$lintian")
result "$([ -z "$tags" ] && echo 1 || echo 0)" "lintian: no error, no warning" \
	"$(head -n 3 <<<"$tags" | tr '\n' ';')"
grep -E '^[IP]: ' <<<"$lintian" | sed 's/^/# lintian: /'

# 2: the root, made once per release, and a copy of it for this run.
if [ ! -f "$base/.kheap-debian-base" ]; then
	echo "# making the root for $release: debootstrap bookworm minbase, dkms, its headers"
	rm -rf "$work"/base-*
	# shellcheck disable=SC2317 # called through passes
	make_base() {
		root_debootstrap "$base" "$log" &&
			cp -a /etc/apt/sources.list.d/. "$base/etc/apt/sources.list.d/" &&
			if [ -f /etc/apt/sources.list ]; then cp /etc/apt/sources.list "$base/etc/apt/"; fi &&
			root_install "$base" "$log" dkms "linux-headers-$release" gcc libc6-dev \
				pkg-config adduser libnl-3-200 libnl-genl-3-200 &&
			touch "$base/.kheap-debian-base"
	}
	result "$(passes make_base)" "a Debian 12 root with dkms and linux-headers-$release"
else
	result 1 "the cached root with dkms and linux-headers-$release"
fi
[ -f "$base/.kheap-debian-base" ] || finish
root_unmount "$root" || { echo "Bail out! something is still mounted under $root"; exit 1; }
rm -rf "$root"
copied=$(passes cp -a "$base" "$root")
result "$copied" "a copy of it for this run"
[ "$copied" = 1 ] || finish
mounted=$(passes root_mount "$root")
result "$mounted" "/proc, /sys, /dev and /run mounted in it"
[ "$mounted" = 1 ] || finish

# 3: apt installs the packages; kheap-dkms's postinst has dkms build the
# module for every kernel there is (the root's headers).
mkdir -p "$root/tmp/debs" && cp "${debs[@]}" "$root/tmp/debs/"
result "$(passes root_run "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends /tmp/debs/kheap-dkms_"$version"_all.deb \
	/tmp/debs/{libkheapclient1,libkheapclient-dev,kheap-tools}_"$version"_amd64.deb)" \
	"apt-get install of the four packages"
status=$(root_run "$root" dkms status "kheap/$version" -k "$release" 2>>"$log")
echo "# dkms status: $status"
result "$(grep -q ': installed$' <<<"$status" && echo 1 || echo 0)" \
	"dkms built and installed kheap/$version for $release"
ko=/lib/modules/$release/updates/dkms/kheap.ko
magic=$(modinfo -F vermagic "$root$ko" 2>>"$log")
modver=$(modinfo -F version "$root$ko" 2>>"$log")
result "$([ "${magic%% *}" = "$release" ] && [ "$modver" = "$version" ] && echo 1 || echo 0)" \
	"$ko: vermagic $release, version $version" "vermagic ${magic:-none}, version ${modver:-none}"
result "$(passes root_run "$root" getent group kheap)" "kheap-tools created the group kheap"

# Programs built there against libkheapclient-dev alone (pkg-config).
cat >"$root/tmp/kheap_holder.c" <<'PROGRAM'
#include <string.h>
#include <unistd.h>
#include <kheapclient.h>

/* Holds 64 pages of kheap until killed. */
int main(void)
{
	char *p = kheap_malloc(64 * 4096);

	if (!p)
		return 1;
	memset(p, 1, 64 * 4096);
	for (;;)
		pause();
}
PROGRAM
# shellcheck disable=SC2317 # called through passes
build_programs() {
	root_run "$root" sh -c "cd /tmp &&
		cc /usr/share/doc/libkheapclient-dev/examples/hello_regions.c \
			\$(pkg-config --cflags --libs kheapclient) -o hello_regions &&
		cc kheap_holder.c \$(pkg-config --cflags --libs kheapclient) -o kheap_holder &&
		ldd hello_regions kheap_holder >ldd.txt &&
		test \$(grep -cE '=> (/usr)?/lib/$triplet/libkheapclient.so.1 ' ldd.txt) = 2"
}
result "$(passes build_programs)" \
	"the packaged example and a holder build with pkg-config, linked to the packaged libkheapclient.so.1"

# 4: all of it in the guest. Dynamic programs take the root's loader and
# libraries along, at their paths (what ldd names, from the root).
files=(--file "$root$ko:kheap/kheap.ko"
	--file "$root/tmp/hello_regions:kheap/bin/hello_regions"
	--file "$root/tmp/kheap_holder:kheap/bin/kheap_holder"
	--file "$root/usr/bin/kheapstat:usr/bin/kheapstat"
	--file "$root/usr/lib/$triplet/kheap/libkheapmalloc.so:usr/lib/$triplet/kheap/libkheapmalloc.so")
for lib in $(root_run "$root" ldd /tmp/hello_regions /tmp/kheap_holder /usr/bin/kheapstat \
	"/usr/lib/$triplet/kheap/libkheapmalloc.so" 2>>"$log" |
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\// && $i !~ /:$/) print $i }' | sort -u); do
	files+=(--file "$root$lib:$lib")
done
root_unmount "$root"
BUILD=$build "$top/scripts/vm-run" --kernel "$release" --label "$release" \
	--out "$build/vm/debian" --timeout 300 --append "KHEAP_PKG_VERSION=$version" \
	--payload "$top/scripts/vm/packages.sh" "${files[@]}" >"$work/vm.tap" 2>&1
status=$?
# vm-run's own lines, numbered here; a run that failed without one (a
# usage error, a file missing) fails too.
while IFS= read -r line; do
	case $line in
	"ok "*) result 1 "$(sed -E 's/^ok ([0-9]+ )?- //' <<<"$line")" ;;
	"not ok "*) result 0 "$(sed -E 's/^not ok ([0-9]+ )?- //' <<<"$line")" ;;
	*) echo "$line" ;;
	esac
done <"$work/vm.tap"
grep -q '^not ok' "$work/vm.tap" || [ $status = 0 ] ||
	result 0 "scripts/vm-run in the guest" "exit status $status"
finish
