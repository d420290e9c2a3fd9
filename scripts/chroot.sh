# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Debian roots for the checks that need a whole system of their own:
# scripts/check-fresh.sh (a bare Debian 12 running the README's commands)
# and scripts/check-debian.sh (the packages installed and dkms at work).
# Sourced by them (bash); it defines functions only.
#
# A root is debootstrapped (minbase, bookworm) once into a folder the
# caller keeps, then copied for each run. While commands run in it, it
# has the file systems a booted machine has: /proc, /sys, /dev and
# /dev/pts bound from this host, tmpfs on /dev/shm and on /run (with the
# /run/lock that a booted Debian makes). The caller unmounts them on exit
# (trap root_unmount) before removing anything.

# root_debootstrap DIR LOG: bookworm minbase in DIR, with this host's DNS
# for apt (a real machine has its own).
root_debootstrap() {
	local dir=$1 log=$2

	if ! command -v debootstrap >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			debootstrap >>"$log" 2>&1 || return 1
	fi
	root_mounted "$dir" && { echo "something is mounted under $dir" >>"$log"; return 1; }
	rm -rf "$dir"
	debootstrap --variant=minbase bookworm "$dir" >>"$log" 2>&1 &&
		cp /etc/resolv.conf "$dir/etc/resolv.conf"
}

# root_run DIR COMMAND...: COMMAND in DIR through chroot, as root, in the
# clean environment of a root login.
root_run() {
	local dir=$1

	shift
	chroot "$dir" /usr/bin/env -i HOME=/root TERM=dumb SHELL=/bin/bash \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# root_install DIR LOG PACKAGE...: apt-get install them in DIR, then
# drop apt's downloads (the root is copied for every run).
root_install() {
	local dir=$1 log=$2

	shift 2
	root_run "$dir" apt-get update -q >>"$log" 2>&1 &&
		root_run "$dir" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1 &&
		root_run "$dir" apt-get clean
}

# root_mounted DIR: true when anything is mounted at or under DIR.
root_mounted() {
	awk -v r="$1/" 'index($2 "/", r) == 1' /proc/self/mounts | grep -q .
}

root_mount() {
	local dir=$1

	mount -t proc proc "$dir/proc" &&
		mount --bind /sys "$dir/sys" &&
		mount --bind /dev "$dir/dev" &&
		mount --bind /dev/pts "$dir/dev/pts" &&
		mount -t tmpfs tmpfs "$dir/dev/shm" &&
		mount -t tmpfs -o mode=0755 tmpfs "$dir/run" &&
		mkdir -m 1777 "$dir/run/lock"
}

# root_unmount DIR: what root_mount mounted, deepest first; lazily when
# one is busy. True when nothing is left mounted under DIR.
root_unmount() {
	local dir=$1 m

	for m in dev/shm dev/pts dev run sys proc; do
		mountpoint -q "$dir/$m" 2>/dev/null || continue
		umount "$dir/$m" 2>/dev/null || umount -l "$dir/$m"
	done
	! root_mounted "$dir"
}
