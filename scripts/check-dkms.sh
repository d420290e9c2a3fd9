#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove dkms.conf with the real dkms: install the module's sources as the
# kheap-dkms package will (/usr/src/kheap-VERSION), then dkms add, build
# and install them for every kernel release with headers under
# /lib/modules/*/build, check that each kheap.ko was built for its
# release and landed where dkms says, and remove it all again.
#
# It touches the system the way a user's dkms install does, and leaves it
# as it was:
#  - dkms install and remove run with --no-depmod: this machine's
#    /lib/modules/<release> trees belong to the VM lane, whose module
#    indexes must not change under it (checked: modules.* are compared
#    before and after). Debian's dkms 3.0.10 never rebuilds an initramfs
#    (REMAKE_INITRD and --no-initrd are ignored); /boot is compared too.
#  - Debian's dkms signs what it builds, creating a key pair in
#    /var/lib/dkms on its first build; one this run created is removed.
#  - Sources it installs carry a stamp, so that a run that was killed can
#    be cleaned up by the next (the stamp notes a key pair it created); a
#    kheap of the same version that it did not install is never touched
#    (Bail out!).
#
# Usage: scripts/check-dkms.sh BUILD [VERSION]   (as root; prints TAP)
#   VERSION (default 0.0.0-check) replaces dkms.conf's #MODULE_VERSION#,
#   as dh_dkms -V would; logs go to BUILD/dkms-check.log.

# The helper functions run through check(), which shellcheck cannot see.
# shellcheck disable=SC2317
set -uo pipefail

build=${1:-build}
version=${2:-0.0.0-check}
here=$(cd "$(dirname "$0")/.." && pwd)
src=/usr/src/kheap-$version
stamp=$src/.kheap-check-dkms
arch=$(uname -m)

n=0 failed=0
result() {
	n=$((n + 1))
	if [ "$1" = 1 ]; then
		echo "ok $n - dkms: $2"
	else
		echo "not ok $n - dkms: $2"
		failed=1
	fi
}
# check DESCRIPTION COMMAND...: one result, the command's output to the log
check() {
	local what=$1
	shift
	echo "+ $*" >>"$log"
	if "$@" >>"$log" 2>&1; then
		result 1 "$what"
	else
		result 0 "$what"
	fi
}

echo "TAP version 13"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root: dkms writes /usr/src, /var/lib/dkms and /lib/modules"
	exit 0
fi
mkdir -p "$build"
log=$(cd "$build" && pwd)/dkms-check.log
: >"$log"

# Two worktrees' `make check` on one machine share /usr/src and dkms.
exec 9>/run/lock/kheap-check-dkms.lock
flock -w 900 9 || { echo "Bail out! another check-dkms.sh holds its lock"; exit 1; }

releases=$(for b in /lib/modules/*/build; do
	[ -e "$b/Makefile" ] && basename "$(dirname "$b")"
done | sort -V)
[ -n "$releases" ] || { echo "Bail out! no kernel headers under /lib/modules/*/build"; exit 1; }

# The module as dkms installed it (or built it), compressed or not.
module_in() {
	local ko

	for ko in "$1"/kheap.ko "$1"/kheap.ko.xz "$1"/kheap.ko.zst "$1"/kheap.ko.gz; do
		[ -e "$ko" ] && echo "$ko" && return
	done
}

# vermagic's first word is the release the module was built for.
built_for() {
	local ko=$1 release=$2 magic

	[ -n "$ko" ] || return 1
	magic=$(modinfo -F vermagic "$ko") || return 1
	echo "$ko: vermagic $magic" >>"$log"
	[ "${magic%% *}" = "$release" ]
}

# What the run must leave as it found: the module trees and indexes of
# every release, /boot, dkms's state and /usr/src.
system_state() {
	local r

	for r in $releases; do
		md5sum /lib/modules/"$r"/modules.* 2>/dev/null
		find /lib/modules/"$r" -path "/lib/modules/$r/kernel" -prune -o -print
	done
	ls -l --time-style=+%s /boot
	find /var/lib/dkms /usr/src -maxdepth 2
}

mok_created=
cleanup() {
	if [ -d "/var/lib/dkms/kheap/$version" ]; then
		dkms remove "kheap/$version" --all --no-depmod >>"$log" 2>&1
		rm -rf "/var/lib/dkms/kheap/$version"
		rmdir /var/lib/dkms/kheap 2>/dev/null
	fi
	[ -f "$stamp" ] && rm -rf "$src"
	[ -n "$mok_created" ] && rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	true
}

# 1: dkms itself, from Debian; its recommends would pull in the
# linux-headers metapackage, so they stay out.
if ! command -v dkms >/dev/null; then
	echo "# installing dkms"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -q && apt-get install -y -q --no-install-recommends dkms; } >>"$log" 2>&1
fi
check "dkms is installed ($(dkms --version 2>/dev/null))" command -v dkms
command -v dkms >/dev/null || { sed 's/^/#   /' "$log"; echo "1..$n"; exit 1; }

# A leftover of a killed run is ours to remove, with the key pair it
# noted creating; anything else is not.
if [ -f "$stamp" ]; then
	echo "# removing what a previous run left in $src"
	grep -qx mok "$stamp" && mok_created=1
	cleanup
	mok_created=
fi
if [ -e "$src" ] || [ -e "/var/lib/dkms/kheap/$version" ]; then
	echo "Bail out! kheap $version is already on this machine ($src, /var/lib/dkms/kheap/$version), not installed by this script: pick another VERSION"
	exit 1
fi
[ -e /var/lib/dkms/mok.key ] || mok_created=1
trap cleanup EXIT
before=$(system_state)

# 2: the sources kheap-dkms ships, which are the files the module's build
# uses (the Makefile's MODULE_FILES), and dkms.conf with its version.
install_sources() {
	local f

	cd "$here" || return 1
	install -d "$src" || return 1
	for f in Kbuild module/*.[ch] uapi/linux/*.h; do
		install -D -m 0644 "$f" "$src/$f" || return 1
	done
	sed "s/#MODULE_VERSION#/$version/" dkms.conf >"$src/dkms.conf" &&
		echo "${mok_created:+mok}" >"$stamp" &&
		grep -qx "PACKAGE_VERSION=\"$version\"" "$src/dkms.conf"
}
check "sources and dkms.conf (version $version) in $src" install_sources

# 3: dkms reads and accepts dkms.conf.
check "dkms add kheap/$version" dkms add "kheap/$version"

for r in $releases; do
	tree=/var/lib/dkms/kheap/$version/$r/$arch

	check "$r: dkms build" dkms build "kheap/$version" -k "$r"
	check "$r: the built kheap.ko has vermagic $r" built_for "$(module_in "$tree/module")" "$r"
	check "$r: modpost found no undefined symbol" \
		eval "[ -s '$tree/log/make.log' ] && ! grep -H 'undefined!' '$tree/log/make.log'"
	sig=$(modinfo -F signer "$(module_in "$tree/module")" 2>/dev/null)
	echo "# $r: signed by: ${sig:-nobody}"

	# --force: a kheap.ko that `make install` left in extra/ has no
	# version either, so dkms 3.0.10's version check takes it for the
	# same module and (on Debian) skips the copy while still reporting
	# success. The next check sees where the file really went.
	check "$r: dkms install" dkms install "kheap/$version" -k "$r" --force --no-depmod
	check "$r: /lib/modules/$r/updates/dkms holds it, vermagic $r" \
		built_for "$(module_in "/lib/modules/$r/updates/dkms")" "$r"
	check "$r: dkms status says installed" \
		eval "dkms status 'kheap/$version' -k '$r' | tee -a '$log' | grep -q ': installed\$'"
done

check "dkms remove kheap/$version --all" dkms remove "kheap/$version" --all --no-depmod
gone() {
	local r

	for r in $releases; do
		[ -z "$(module_in "/lib/modules/$r/updates/dkms")" ] || return 1
	done
	[ ! -e "/var/lib/dkms/kheap/$version" ] && [ -z "$(dkms status "kheap/$version")" ]
}
check "nothing of kheap $version left in /lib/modules or dkms" gone
[ -n "$mok_created" ] && [ -e /var/lib/dkms/mok.key ] &&
	echo "# removing the signing key pair dkms created in /var/lib/dkms"
cleanup
after=$(system_state)
echo "+ diff of the machine's state before and after" >>"$log"
check "the machine as before: /lib/modules/*, /boot, /var/lib/dkms, /usr/src" \
	diff <(echo "$before") <(echo "$after")

[ $failed = 0 ] || sed 's/^/#   /' "$log"
echo "1..$n"
exit $failed
