#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The host test suite of libkheapclient as one TAP 13 stream: every test
# program of both builds (plain, ASan+UBSan), the threaded ones of the
# third (TSan: any report fails the program), the misuse programs through
# their runner (those of misuse/plain/ under the LD_PRELOAD malloc), the
# examples built with instrumentation, real programs under the LD_PRELOAD malloc, and the layering of the sources. Test lines
# are renumbered and prefixed with their build; a program that dies without
# saying which case failed counts as one failure. Exit 1 on any failure.
#
# Usage: run-suite.sh TESTDIR PRELOAD_LIB CC CXX
set -u
testdir=$1 preload=$2 cc=$3 cxx=$4
count=0 failures=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# result ok|"not ok" NAME [DIRECTIVE]: a TODO's "not ok" is no failure
result() {
	count=$((count + 1))
	case $1:${3:-} in
	ok:* | *:TODO*) ;;
	*) failures=$((failures + 1)) ;;
	esac
	echo "$1 $count - $2${3:+ # $3}"
}

# tap_program LABEL COMMAND...: run a TAP program, renumber its results.
tap_program() {
	local label=$1 status line had_failure=0
	shift
	"$@" >"$scratch/out" 2>&1
	status=$?
	while IFS= read -r line; do
		case $line in
		*"# TODO"*)
			result "${line%% [0-9]*}" \
				"$label: $(echo "$line" | sed -E 's/^(not )?ok [0-9]+ - (.*) # TODO.*/\2/')" \
				"TODO $(echo "$line" | sed -E 's/.*# TODO ?//')" ;;
		"not ok "*)
			had_failure=1
			result "not ok" "$label: $(echo "$line" | sed -E 's/^not ok [0-9]+ - //')" ;;
		"ok "*"# SKIP"*)
			result ok "$label: $(echo "$line" | sed -E 's/^ok [0-9]+ - (.*) # SKIP.*/\1/')" \
				"SKIP $(echo "$line" | sed -E 's/.*# SKIP ?//')" ;;
		"ok "*)
			result ok "$label: $(echo "$line" | sed -E 's/^ok [0-9]+ - //')" ;;
		"TAP version"* | 1..*) ;;
		*)	echo "# $line" ;;
		esac
	done <"$scratch/out"
	if [ $status != 0 ] && [ $had_failure = 0 ]; then
		result "not ok" "$label: exited with status $status"
	fi
}

echo "TAP version 13"
for build in plain asan tsan; do
	for program in "$testdir/$build"/test_*; do
		[ -x "$program" ] || continue
		name=${program##*/}
		if [ "$name" = test_misuse ]; then
			tap_program "$build: misuse" "$program" "$testdir/$build/misuse"
		else
			tap_program "$build: ${name#test_}" "$program"
		fi
	done
done
for example in "$testdir"/examples/*; do
	if "$example" >"$scratch/out" 2>&1; then
		result ok "example: ${example##*/} (instrumented)"
	else
		result "not ok" "example: ${example##*/} (instrumented)"
		sed 's/^/# /' "$scratch/out"
	fi
done
tap_program "preload: misuse" "$testdir/plain/test_misuse" --preload \
	"$(realpath "$preload")" "$testdir/misuse-plain"
tap_program "preload" "$(dirname "$0")/preload.sh" "$preload" "$cc" "$cxx"
tap_program "layers" "$(dirname "$0")/layers.sh" "$(dirname "$0")/../src"

echo "1..$count"
[ $failures = 0 ]
