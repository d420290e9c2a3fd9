#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The library's files form layers: each file's includes of the library's
# own headers name only modules below it (a module is name.c with name.h).
# tsort finds any cycle among them, which is a file including back up the
# chain. TAP on stdout.
#
# Usage: layers.sh SRCDIR
set -u
src=$1
pairs=$(mktemp)
trap 'rm -f "$pairs"' EXIT

for file in "$src"/*.[ch]; do
	module=$(basename "${file%.?}")
	echo "$module $module" >>"$pairs"
	sed -n 's/^#include "\([^"/]*\)\.h"$/\1/p' "$file" | while read -r dep; do
		[ "$dep" = "$module" ] || [ ! -e "$src/$dep.h" ] ||
			echo "$module $dep" >>"$pairs"
	done
done

echo "1..1"
if loop=$(tsort "$pairs" 2>&1 >/dev/null) && [ -z "$loop" ]; then
	echo "ok 1 - no file includes back up the chain"
else
	echo "$loop" | sed 's/^/# /'
	echo "not ok 1 - no file includes back up the chain"
	exit 1
fi
