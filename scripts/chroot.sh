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
#
# Also their TAP: root_check_start NAME LOG prints the header (and skips
# the whole check unless run as root); result, passes and finish are
# then theirs, numbered, prefixed "NAME: ", command output into LOG.

root_check_start() {
	tap_name=$1 tap_log=$2 n=0 failed=0
	echo "TAP version 13"
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root: debootstrap, mount and chroot"
		exit 0
	fi
	: >"$tap_log"
}

# result 1|0 WHAT [WHY]
result() {
	n=$((n + 1))
	if [ "$1" = 1 ]; then
		echo "ok $n - $tap_name: $2"
	else
		echo "not ok $n - $tap_name: $2${3:+ # $3}"
		failed=1
	fi
}

# passes COMMAND...: 1 when it succeeds, 0 if not; its output in the log
passes() {
	echo "+ $*" >>"$tap_log"
	"$@" >>"$tap_log" 2>&1 && echo 1 || echo 0
}

# finish: the plan, the log's end when anything failed, the exit status
finish() {
	[ "$failed" = 0 ] || tail -n 40 "$tap_log" | sed 's/^/#   /'
	echo "1..$n"
	exit "$failed"
}

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
