#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build an out-of-tree kernel module with its objects in OUT instead of
# beside the sources, so that one checkout builds for several kernels at
# once and the tree stays clean. OUT gets a symlink per listed source file,
# then Kbuild runs there (M=OUT). Links are remade on every call, so a file
# removed from the list disappears from the build too.
#
# Usage: scripts/kbuild.sh KDIR OUT SRCDIR FILE... [-- MAKE_ARGS...]
#   FILE is relative to SRCDIR; a directory is linked whole (read-only use,
#   such as a header folder).
set -eu

kdir=$1 out=$2 srcdir=$(cd "$3" && pwd)
shift 3

mkdir -p "$out"
find "$out" -type l -delete
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	mkdir -p "$out/$(dirname "$1")"
	ln -s "$srcdir/$1" "$out/$1"
	shift
done
[ $# -gt 0 ] && shift

exec make -C "$kdir" M="$(cd "$out" && pwd)" "$@" modules
