#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run a libFuzzer harness for a bounded time and say how it went in TAP.
# New inputs go to a work corpus under the build folder; the committed
# seeds are read, never written. A crash leaves its reproducer in the
# build folder and the reason in the TAP comment lines.
#
# Usage: fuzz/run.sh HARNESS SECONDS WORK_CORPUS SEED_CORPUS
set -u

harness=$1 seconds=$2 work=$3 seeds=$4
name=${harness##*/}
log=$work.log
mkdir -p "$work"

echo "TAP version 13"
echo "1..1"
if "$harness" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
	-artifact_prefix="$work/" "$work" "$seeds" >"$log" 2>&1; then
	echo "ok 1 - $name: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log"), no finding"
else
	echo "not ok 1 - $name: finding, reproducer in $work/"
	grep -E '^fuzz_heap:|SUMMARY|ERROR' "$log" | head -n 10 | sed 's/^/#   /'
	exit 1
fi
