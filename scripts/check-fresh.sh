#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-fresh`: the README's two set-up commands, exactly as the
# README writes them, on a Debian 12 that has nothing but git, so that a
# package the lane needs and no test machine happens to lack cannot hide.
# The machines the project runs on come with make, gcc and much more; a
# freshly debootstrapped root has none of it (the README's first command
# once failed there with "make: command not found").
#
# The root: debootstrap --variant=minbase bookworm plus git, made once and
# kept in BUILD/fresh/base (rm -rf it to make it again). Each run copies it
# anew to BUILD/fresh/root, so every run starts from that state; the root
# of the last run stays there for a look until the next.
#
# Into it go the kernel file systems a booted machine has (scripts/chroot.sh,
# shared with check-debian.sh). They are unmounted on any exit (trap),
# before anything else is removed.
#
# Then a git clone of this repository at its current commit (HEAD:
# uncommitted changes are not in it) lands in /root/kheap, and each
# command of the README's "Two commands" block runs there through chroot,
# as root, with a clean environment, timed. The first downloads Debian's
# kernels, QEMU and the rest and boots a VM under TCG; the second is the
# whole of make check (about 40 minutes and more on two cores).
#
# Usage: scripts/check-fresh.sh BUILD [N]   (as root; prints TAP)
#   N: run only the first N commands of the README's block (default all).
#   Logs: BUILD/fresh/command-<i>.log, BUILD/fresh/{debootstrap,setup}.log.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
limit=${2:-}
mkdir -p "$build/fresh"
fresh=$(cd "$build/fresh" && pwd)
base=$fresh/base root=$fresh/root
suite=bookworm

# shellcheck source=scripts/chroot.sh
. "$top/scripts/chroot.sh"
root_check_start fresh "$fresh/setup.log"

# The README's block of two commands: the lines of the first ```sh fence
# after its "## Two commands" heading, comments dropped.
mapfile -t commands < <(awk '
	/^## Two commands/ { section = 1; next }
	section && /^## / { exit }
	section && /^```sh/ { fence = 1; next }
	fence && /^```/ { exit }
	fence { sub(/[ \t]*#.*/, ""); if ($0 != "") print }
' "$top/README.md")
result "$([ ${#commands[@]} = 2 ] && echo 1 || echo 0)" \
	"the README's \"Two commands\" block has two commands" "${#commands[@]} found"
[ ${#commands[@]} -gt 0 ] || finish
[ -n "$limit" ] && commands=("${commands[@]:0:$limit}")

trap 'root_unmount "$root"' EXIT
trap 'exit 130' INT TERM

# 1: the cached base.
if [ ! -f "$base/.kheap-fresh-base" ]; then
	echo "# making the base: debootstrap --variant=minbase $suite, then git"
	start=$(date +%s)
	root_debootstrap "$base" "$fresh/debootstrap.log" &&
		root_install "$base" "$fresh/debootstrap.log" git &&
		touch "$base/.kheap-fresh-base"
	result "$([ -f "$base/.kheap-fresh-base" ] && echo 1 || echo 0)" \
		"debootstrap --variant=minbase $suite and git ($(($(date +%s) - start)) s)" \
		"see $fresh/debootstrap.log"
	[ -f "$base/.kheap-fresh-base" ] || finish
else
	result 1 "the cached base in $base (debootstrap $suite minbase and git)"
fi

# 2: a new root from it, with the repository cloned in.
root_unmount "$root" || { echo "Bail out! something is still mounted under $root"; exit 1; }
rm -rf "$root"
commit=$(git -C "$top" rev-parse HEAD)
[ -z "$(git -C "$top" status --porcelain --untracked-files=no)" ] ||
	echo "# the work tree has uncommitted changes: they are not in the clone of $commit"
# shellcheck disable=SC2317 # called through passes
new_root() {
	cp -a "$base" "$root" &&
		git clone -q --no-checkout "$top" "$root/root/kheap" &&
		git -C "$root/root/kheap" checkout -q --detach "$commit"
}
result "$(passes new_root)" "a new root from the base, with a git clone of $commit in /root/kheap"
[ $failed = 0 ] || finish
# shellcheck disable=SC2016 # dpkg-query's format
echo "# packages in the root: $(chroot "$root" dpkg-query -W -f '${Package}\n' | wc -l)," \
	"make: $(chroot "$root" sh -c 'command -v make || echo none')"

result "$(passes root_mount "$root")" "/proc, /sys, /dev, /dev/pts, /dev/shm and /run mounted in the root"
[ $failed = 0 ] || finish

# 3: the commands, each in a clean environment as a root login has.
i=0
for command in "${commands[@]}"; do
	i=$((i + 1))
	log=$fresh/command-$i.log
	echo "# $(date -u '+%F %T UTC'): $command (log: $log)"
	start=$(date +%s)
	# shellcheck disable=SC2016 # $1 is for the chroot's bash
	root_run "$root" bash -c 'cd /root/kheap && eval "$1"' bash "$command" </dev/null >"$log" 2>&1
	status=$?
	took=$(($(date +%s) - start))
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	result "$([ $status = 0 ] && echo 1 || echo 0)" \
		"\`$command\` in $((took / 60)) min $((took % 60)) s${summary:+: $summary}" \
		"exit status $status"
	[ $status = 0 ] || tail -n 40 "$log" | sed 's/^/#   /'
done

result "$(root_unmount "$root" && echo 1 || echo 0)" "nothing left mounted under $root"
finish
