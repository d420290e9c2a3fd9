#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make lint`: the kernel's own checks on the module, as TAP. Any finding
# fails: checkpatch --strict per file, kernel-doc warnings, and a build of
# the module with sparse (C=2) and W=1 for every supported kernel, in a
# folder of its own so that lint never dirties the normal build.
#
# Usage: scripts/lint.sh CHECKPATCH KERNEL_DOC "RELEASE..." BUILD FILE...
#        scripts/lint.sh --builds "RELEASE..." BUILD FILE...
#   --builds: only the sparse and W=1 builds, for a kernel whose headers
#   are in a chroot of a later suite (scripts/suite-kernel runs this there)
set -uo pipefail

checkpatch= kernel_doc=
if [ "$1" = --builds ]; then
	shift
else
	checkpatch=$1 kernel_doc=$2
	shift 2
fi
releases=$1 build=$2
shift 2
files=("$@")

n=0 failed=0
result() {
	local ok=$1 what=$2 log=$3

	n=$((n + 1))
	if [ "$ok" = 1 ]; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		sed 's/^/#   /' "$log" | head -n 40
		failed=1
	fi
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "TAP version 13"
# The module's sources and every ABI header it shares with userspace.
checked=(uapi/linux/*.h)
c_files=()
for file in "${files[@]}"; do
	case $file in
	*.c) c_files+=("$file"); checked+=("$file") ;;
	*.h) checked+=("$file") ;;
	esac
done

if [ -n "$checkpatch" ]; then
	for file in "${checked[@]}"; do
		$checkpatch -f "$file" >"$log" 2>&1
		result "$([ -s "$log" ] && echo 0 || echo 1)" "checkpatch --strict $file" "$log"
	done

	perl "$kernel_doc" -none -Wall "${c_files[@]}" >"$log" 2>&1
	result "$([ -s "$log" ] && echo 0 || echo 1)" "kernel-doc -Wall module sources" "$log"
fi

for release in $releases; do
	scripts/kbuild.sh "/lib/modules/$release/build" "$build/lint/$release" . \
		"${files[@]}" -- C=2 W=1 >"$log" 2>&1
	status=$?
	grep -E 'warning:|error:' "$log" >"$log.findings"
	ok=$([ "$status" = 0 ] && [ ! -s "$log.findings" ] && echo 1 || echo 0)
	[ -s "$log.findings" ] && mv "$log.findings" "$log"
	rm -f "$log.findings"
	result "$ok" "sparse (C=2) and W=1 build on $release" "$log"
done

echo "1..$n"
exit $failed
