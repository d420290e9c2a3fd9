#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Which misuse each allocator catches: every plain misuse program
# (libclient/tests/misuse/plain, one misuse each, plain malloc and free)
# run unmodified under glibc, kheap's preload and whichever peers are
# installed (mimalloc, jemalloc, tcmalloc, scudo: make misuse-report
# installs them as make bench does). A report, not a test: it always
# exits 0 once every program ran.
#
# Each run is classified from its exit and its stderr:
#   line   kheap's exact line, the one the program announced, then the
#          signal it announced (SIGABRT, or SIGSEGV for a guard page)
#   msg    killed by a signal or a non-zero status other than 3, with
#          something on stderr: the allocator said what it found
#   crash  killed by a signal with nothing on stderr: the kernel stopped
#          the program, no allocator named the misuse
#   hang   still running after 20 s
#   -      not caught: the program got past its misuse (status 3, from
#          not_detected()) or ended normally
# caught = every class but "-"; named = line + msg.
#
# Usage: misuse-report.sh PROGRAM_DIR LIBKHEAPMALLOC [OUTPUT]
#        (OUTPUT: the table is also written there)
set -u
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	sed -n 's/^# Usage: /usage: /p; s/^#        /       /p' "$0" >&2
	exit 2
fi
dir=$1 kheap=$(realpath "$2") output=${3:-}
export KHEAP_BACKEND=${KHEAP_BACKEND:-anon}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

libdir=/usr/lib/$(gcc -print-multiarch)
scudo=$(printf '%s\n' /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.scudo_standalone-"$(uname -m)".so |
	sort -V | tail -n 1)
names=() preload=()
for entry in "glibc:" "kheap:$kheap" "mimalloc:$libdir/libmimalloc.so.2" \
	     "jemalloc:$libdir/libjemalloc.so.2" \
	     "tcmalloc:$libdir/libtcmalloc_minimal.so.4" "scudo:$scudo"; do
	lib=${entry#*:}
	if [ -n "$lib" ] && [ ! -e "$lib" ]; then
		echo "misuse-report.sh: ${entry%%:*} not installed ($lib): left out" >&2
		continue
	fi
	names+=("${entry%%:*}")
	preload+=("$lib")
done

# classify PROGRAM LIB: one word on stdout.
classify() {
	local program=$1 lib=$2 status expected
	LD_PRELOAD=$lib timeout 20 "$program" >"$work/out" 2>"$work/err"
	status=$?
	# The last line announced is the expected one (misuse.h).
	expected=$(tail -n 1 "$work/out")
	if [ $status = 124 ]; then
		echo hang
	elif [ $status = 3 ] || [ $status = 0 ]; then
		echo -
	elif [ "$(cat "$work/err")" = "$expected" ] &&
	     { { [ $status = 134 ] && ! grep -q '^fault: ' "$work/out"; } ||
	       { [ $status = 139 ] && grep -q '^fault: SIGSEGV' "$work/out"; }; }; then
		echo line
	elif [ -s "$work/err" ]; then
		echo msg
	elif [ $status -gt 128 ]; then
		echo crash
	else
		echo msg
	fi
}

declare -A caught named
{
	printf '%-28s' program
	printf ' %-9s' "${names[@]}"
	echo
	for program in "$dir"/*; do
		[ -x "$program" ] || continue
		printf '%-28s' "${program##*/}"
		for i in "${!names[@]}"; do
			c=$(classify "$program" "${preload[$i]}")
			printf ' %-9s' "$c"
			[ "$c" = - ] || caught[$i]=$((${caught[$i]:-0} + 1))
			case $c in line | msg) named[$i]=$((${named[$i]:-0} + 1)) ;; esac
		done
		echo
	done
	total=$(find "$dir" -maxdepth 1 -type f -executable | wc -l)
	printf '%-28s' "caught (of $total)"
	for i in "${!names[@]}"; do printf ' %-9s' "${caught[$i]:-0}"; done
	echo
	printf '%-28s' "named (line or msg)"
	for i in "${!names[@]}"; do printf ' %-9s' "${named[$i]:-0}"; done
	echo
} | tee "$work/table"
[ -z "$output" ] || cp "$work/table" "$output"
