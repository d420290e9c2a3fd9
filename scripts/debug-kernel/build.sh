#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the kheap debug kernel: Debian's 6.1 source (linux-source-6.1) with
# KASAN (generic, inline), lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP,
# kmemleak (no automatic scan) and DEBUG_VM, configured as small as the QEMU
# guest of scripts/vm-run allows. Debian's own kernels have none of these.
#
# Usage: scripts/debug-kernel/build.sh BUILD_DIR
#   Prints the kernel release on stdout (progress goes to stderr), and
#   leaves in BUILD_DIR/debug-kernel/:
#     src/          the configured, built tree: src/vmlinux is the ELF image
#                   to boot (PVH entry, vm-run --vmlinux) and the tree is
#                   ready for out-of-tree modules (make -C src M=...)
#     release       the kernel release, e.g. 6.1.192-kheap-debug
#     build.log     the last build's output
#
# The configuration is allnoconfig plus scripts/debug-kernel/debug.config
# (scripts/kconfig/merge_config.sh -n, then make olddefconfig); every
# option the fragment sets must come out as set, or the build stops and
# names the ones that did not.
#
# Patches: scripts/debug-kernel/*.patch are applied to the source in name
# order. 0001: the PVH entry code and the memcmp() it calls must not be
# KASAN-instrumented, or the boot triple-faults before the first console
# line (see the patch's header).
#
# Idempotent and cached: the source is extracted once (again only when the
# tarball or a patch changes), configured again only when debug.config
# changes, and built again only when the configuration is newer than
# vmlinux, so a second run with nothing changed takes under a second.
# FORCE=1 runs make in the tree anyway (20 s when nothing changed);
# removing BUILD_DIR/debug-kernel starts from scratch. A first build takes
# 10 to 13 minutes of 2 cores (measured; 30 on a heavily loaded machine).
#
# Needs: gcc make flex bison bc libelf-dev libssl-dev xz-utils
# (scripts/setup.sh installs them).
#
# Boot it with the standard suite, for example:
#   r=$(scripts/debug-kernel/build.sh build)
#   KHEAP_VERSION=test scripts/kbuild.sh build/debug-kernel/src build/kmod/$r . \
#       Kbuild uapi module/*.c module/*.h
#   scripts/vm-run --kernel "$r" --vmlinux build/debug-kernel/src/vmlinux \
#       --timeout 1800 --payload scripts/vm/suite.sh \
#       --file build/kmod/$r/kheap.ko:kheap/kheap.ko \
#       --file build/selftests/kheap/kheap_test:kheap/selftests/kheap/kheap_test \
#       --file selftests/kheap/settings:kheap/selftests/kheap/settings
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
[ $# = 1 ] || { sed -n '/^# Usage:/,/^#   Prints/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
top=$1/debug-kernel
src=$top/src
fragment=$here/debug.config
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
mkdir -p "$top"
top=$(cd "$top" && pwd)
src=$top/src
log=$top/build.log

say() { echo "debug-kernel: $*" >&2; }

# ---- the source, once, with our patches -------------------------------
# The tree is extracted again (and so rebuilt whole) only when the tarball
# or one of scripts/debug-kernel/*.patch changes.
mapfile -t patches < <(find "$here" -maxdepth 1 -name '*.patch' | sort)
key="$(stat -c '%n %Y %s' "$tarball" 2>/dev/null) $(cat /dev/null "${patches[@]}" | sha1sum)"
if [ ! -f "$src/.kheap-source" ] || [ "$(cat "$src/.kheap-source")" != "$key" ]; then
	[ -f "$tarball" ] || { say "no $tarball (apt-get install linux-source-6.1)"; exit 1; }
	say "extracting $tarball"
	rm -rf "$src" "$top/src.tmp" "$top/debug.config.applied"
	mkdir -p "$top/src.tmp"
	tar -xJf "$tarball" -C "$top/src.tmp" --strip-components=1
	for p in "${patches[@]}"; do
		say "applying ${p##*/}"
		patch -d "$top/src.tmp" -p1 --quiet --forward <"$p"
	done
	echo "$key" >"$top/src.tmp/.kheap-source"
	mv "$top/src.tmp" "$src"
fi

# ---- the configuration, when the fragment changes ------------------------
applied=$top/debug.config.applied
if [ ! -f "$src/.config" ] || ! cmp -s "$fragment" "$applied"; then
	say "configuring: allnoconfig + $fragment"
	rm -f "$applied"
	(cd "$src" && scripts/kconfig/merge_config.sh -n "$fragment" &&
		make olddefconfig) >"$top/config.log" 2>&1 ||
		{ cat "$top/config.log" >&2; exit 1; }
	missing=$(
		# "CONFIG_X=value" must be in .config as it is
		sed -n 's/^\(CONFIG_[A-Za-z0-9_]*=.*\)$/\1/p' "$fragment" |
			while IFS= read -r line; do
				grep -qxF -- "$line" "$src/.config" || echo "  wanted $line, got: $(grep "^${line%%=*}=" "$src/.config" || echo "not set")"
			done
		# "# CONFIG_X is not set" must not be set
		sed -n 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1/p' "$fragment" |
			while IFS= read -r opt; do
				! grep -q "^$opt=" "$src/.config" || echo "  wanted $opt unset, got: $(grep "^$opt=" "$src/.config")"
			done
	)
	if [ -n "$missing" ]; then
		say "these options of debug.config did not come out as asked:"
		echo "$missing" >&2
		exit 1
	fi
	cp "$fragment" "$applied"
fi

# ---- the build, when the configuration is newer than the image -----------
# vmlinux for booting; modules (none are configured) for Module.symvers and
# modpost, which out-of-tree module builds need.
if [ -n "${FORCE:-}" ] || [ ! -f "$src/Module.symvers" ] ||
   [ ! "$src/vmlinux" -nt "$src/.config" ]; then
	say "building vmlinux with $(nproc) jobs (log: $log)"
	start=$(date +%s)
	if ! make -C "$src" -j"$(nproc)" vmlinux modules >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		say "build failed (full log: $log)"
		exit 1
	fi
	say "built in $(( $(date +%s) - start ))s"
fi

release=$(make -s -C "$src" kernelrelease)
echo "$release" >"$top/release"
echo "$release"
