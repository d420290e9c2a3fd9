#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The original workflow: run each instrumented example with every built-in
# profiler and show what they found. Everything lands beside the programs:
#   NAME.out             the program's own output
#   NAME.log             KHEAP_LOG: the trace, then the reports at exit
#   NAME.log.histogram.csv   size_bucket,count (tools/kheap-plot --histogram)
#   NAME-sizes.png       its chart, when gnuplot is installed
# The backend is /dev/kheap when present, else anonymous memory (or
# whatever KHEAP_BACKEND says).
#
# Usage: profile-demo.sh PROGRAM...
set -eu

plot=$(dirname "$0")/../tools/kheap-plot
: "${KHEAP_BACKEND:=$(test -c /dev/kheap && echo device || echo anon)}"
export KHEAP_BACKEND

for program in "$@"; do
	name=${program##*/}
	dir=$(dirname "$program")
	log=$dir/$name.log
	echo "==== $name (KHEAP_BACKEND=$KHEAP_BACKEND)"
	KHEAP_PROFILE=stats,sites,leaks,histogram,trace KHEAP_LOG=$log \
		"$program" >"$dir/$name.out"
	echo "-- reports ($log)"
	grep '^kheap: ' "$log" | grep -v '^kheap: histogram: '
	echo "-- histogram ($log.histogram.csv)"
	cat "$log.histogram.csv"
	if [ -x "$plot" ] && command -v gnuplot >/dev/null 2>&1; then
		"$plot" --histogram -t "$name: allocation sizes" \
			-o "$dir/$name-sizes.png" "$log.histogram.csv" >/dev/null &&
			echo "-- chart: $dir/$name-sizes.png"
	fi
	echo "-- trace ($(grep -vc '^kheap: ' "$log") events), the first 12"
	grep -v '^kheap: ' "$log" | head -n 12
	echo
done
