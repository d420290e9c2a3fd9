#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kheap's workload set (bench/workloads.c) under glibc, mimalloc, jemalloc,
# tcmalloc, scudo (when installed) and kheap, all in this one run on this
# machine, interleaved: for each round, for each workload, every allocator
# once, in an order that rotates with the round and the workload, so a
# slow spell of the machine (it is shared) falls on all of them alike.
# Each figure is the median over the rounds; the table gives them as ratios
# to glibc's, with the geometric mean and the maximum per allocator (and
# the geometric mean of the CPU-time ratios, which a busy machine disturbs
# less: when it agrees with the wall-time one, the load did not decide). Then
# the scaling figure: throughput of larson and glibc-thread at 1, 2, 4 and
# 8 threads, as ratios to one thread, interleaved the same way.
#
# Nothing here fails on a number: a run fails only when a workload does
# (its own check of what it read back) or when the allocators disagree on
# a workload's checksum.
#
# Usage: bench/workloads.sh [options] WORKLOADS_BINARY KHEAP_PRELOAD [ROUNDS]
#        bench/workloads.sh --report FILE
#   ROUNDS                rounds of the table (default 5; 0: no table)
#   --scaling-rounds N    rounds of the scaling figure (default 3; 0: none)
#   --only "A B ..."      these workloads only (names: WORKLOADS_BINARY --list)
#   --threads N           threads of the multi-threaded workloads (default 2)
#   --raw FILE            keep every run's line in FILE (default: a temp file)
#   --report FILE         run nothing: the tables of the runs kept in FILE
#
# kheap runs through its drop-in library, checks on (they always are), on
# the backend KHEAP_BACKEND names (anon unless set: a host has no module).
set -euo pipefail

scaling_rounds=3 only='' threads=2 raw='' report=''
while [ $# -gt 0 ]; do
	case $1 in
	--scaling-rounds) scaling_rounds=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--raw) raw=$2; shift 2 ;;
	--report) report=$2; shift 2 ;;
	-*) echo "workloads.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if { [ -z "$report" ] && { [ $# -lt 2 ] || [ $# -gt 3 ]; }; } ||
   { [ -n "$report" ] && [ $# -ne 0 ]; }; then
	sed -n 's/^# Usage: /usage: /p; s/^#        /       /p' "$0" | head -n 2 >&2
	exit 2
fi
all_names=(glibc kheap mimalloc jemalloc tcmalloc scudo)
scaling=(larson glibc-thread)
counts=(1 2 4 8)

# run TAG ALLOCATOR_INDEX THREADS WORK WORKLOAD: one run, one line in $raw:
#   TAG allocator workload threads seconds peak_rss_kib ops checksum cpu_seconds
# (seconds "fail" when the run failed; its stderr goes to ours).
run() {
	local tag=$1 i=$2 t=$3 w=$4 name=$5 line
	if line=$(LD_PRELOAD=${preload[$i]} timeout 600 "$bench" -t "$t" -w "$w" "$name"); then
		echo "$line" | awk -v tag="$tag" -v a="${names[$i]}" '{
			for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
			print tag, a, v["workload"], v["threads"], v["seconds"],
			      v["peak_rss_kib"], v["ops"], v["checksum"], v["cpu_seconds"] }' >>"$raw"
	else
		echo "workloads.sh: $name under ${names[$i]} failed" >&2
		echo "$tag ${names[$i]} $name $t fail 0 0 - 0" >>"$raw"
	fi
}

if [ -n "$report" ]; then
	raw=$report
	# Allocators in the usual order, workloads in the order first run.
	names=()
	for a in "${all_names[@]}"; do
		if awk -v a="$a" '$2 == a { found = 1; exit } END { exit !found }' "$raw"; then
			names+=("$a")
		fi
	done
	mapfile -t workloads < <(awk '$1 == "table" && !seen[$3]++ { print $3 }' "$raw")
	rounds=$(awk '$1 == "table" && $2 == "glibc" && $3 == first { n++ }
		      $1 == "table" && first == "" { first = $3; n = ($2 == "glibc") }
		      END { print n + 0 }' "$raw")
	scaling_rounds=$(awk -v w="${scaling[0]}" '$1 == "scaling" && $2 == "glibc" && $3 == w && $4 == 1 { n++ }
			      END { print n + 0 }' "$raw")
else
	bench=$1 kheap=$2 rounds=${3:-5}
	export KHEAP_BACKEND=${KHEAP_BACKEND:-anon}

	libdir=/usr/lib/$(gcc -print-multiarch)
	names=(glibc kheap mimalloc jemalloc tcmalloc)
	preload=("" "$kheap" "$libdir/libmimalloc.so.2" "$libdir/libjemalloc.so.2"
		 "$libdir/libtcmalloc_minimal.so.4")
	# Debian ships LLVM's standalone scudo in libclang-rt-NN-dev (which
	# scripts/setup.sh installs for the sanitizer builds); the newest wins.
	scudo=$(printf '%s\n' /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.scudo_standalone-"$(uname -m)".so |
		sort -V | tail -n 1)
	if [ -e "$scudo" ]; then
		names+=(scudo)
		preload+=("$scudo")
	else
		echo "workloads.sh: no standalone scudo (libclang-rt-*-dev) installed: left out" >&2
	fi
	for lib in "${preload[@]}"; do
		if [ -n "$lib" ] && [ ! -e "$lib" ]; then
			echo "workloads.sh: $lib is missing (make bench installs the peers)" >&2
			exit 1
		fi
	done

	mapfile -t workloads < <("$bench" --list | cut -d' ' -f1)
	if [ -n "$only" ]; then
		read -ra workloads <<<"$only"
	fi
	[ -n "$raw" ] || raw=$(mktemp /tmp/kheap-workloads.XXXXXX)
	: >"$raw"

	n=${#names[@]}
	started=$(date +%s)
	load_before=$(cut -d' ' -f1-3 /proc/loadavg)
	for r in $(seq "$rounds"); do
		for wi in "${!workloads[@]}"; do
			for k in $(seq 0 $((n - 1))); do
				run table $(((r + wi + k) % n)) "$threads" 1 "${workloads[wi]}"
			done
		done
		echo "workloads.sh: round $r of $rounds done ($(($(date +%s) - started)) s)" >&2
	done
	for r in $(seq "$scaling_rounds"); do
		for wi in "${!scaling[@]}"; do
			for t in "${counts[@]}"; do
				for k in $(seq 0 $((n - 1))); do
					# Half the work per thread: 8 threads on 2 cores take 4 times as long.
					run scaling $(((r + wi + k) % n)) "$t" 0.5 "${scaling[wi]}"
				done
			done
		done
		echo "workloads.sh: scaling round $r of $scaling_rounds done ($(($(date +%s) - started)) s)" >&2
	done
	# What the run was, kept with it for --report.
	echo "# $(date -u +%Y-%m-%d), $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
	     "$rounds rounds (medians), $threads threads for the multi-threaded workloads," \
	     "$(($(date +%s) - started)) s, load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after" >>"$raw"
fi

echo
sed -n 's/^# //p' "$raw"
echo

# The median of a space-separated list of numbers (empty for none).
awk_median='
function median(list,    n, i, j, t, v) {
	n = split(list, v, " ")
	if (n == 0) return ""
	for (i = 2; i <= n; i++) {	# insertion sort: a handful of rounds
		t = v[i] + 0
		for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]
		v[j + 1] = t
	}
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}'

# The table: medians, ratios to glibc, geometric mean and maximum.
[ "$rounds" -eq 0 ] || awk -v names="${names[*]}" -v order="${workloads[*]}" "$awk_median"'
$1 == "table" {
	key = $2 SUBSEP $3
	if ($5 == "fail") next
	time[key] = time[key] " " $5
	cpu[key] = cpu[key] " " $9
	rss[key] = rss[key] " " $6
	if (!($3 in sum)) sum[$3] = $8
	else if (sum[$3] != $8) bad[key] = 1
}
END {
	na = split(names, a, " ")
	nw = split(order, w, " ")
	printf "| workload | glibc s | glibc MiB |"
	for (i = 2; i <= na; i++) printf " %s time | %s RSS |", a[i], a[i]
	printf "\n| --- | ---: | ---: |"
	for (i = 2; i <= na; i++) printf " ---: | ---: |"
	printf "\n"
	for (j = 1; j <= nw; j++) {
		g = median(time["glibc", w[j]]); grss = median(rss["glibc", w[j]])
		if (g == "") printf "| %s | fail | |", w[j]
		else printf "| %s | %.3f | %.1f |", w[j], g, grss / 1024
		for (i = 2; i <= na; i++) {
			key = a[i] SUBSEP w[j]
			t = median(time[key]); m = median(rss[key])
			if (bad[key]) { printf " checksum differs | |"; continue }
			if (t == "" || g == "") { printf " fail | |"; continue }
			tr = t / g; mr = m / grss
			printf " %.2f | %.2f |", tr, mr
			lt[i] += log(tr); lm[i] += log(mr); cnt[i]++
			gc = median(cpu["glibc", w[j]]); c = median(cpu[key])
			if (gc > 0 && c > 0) { lc[i] += log(c / gc); ccnt[i]++ }
			if (tr > maxt[i]) { maxt[i] = tr; maxtw[i] = w[j] }
			if (mr > maxm[i]) { maxm[i] = mr; maxmw[i] = w[j] }
		}
		printf "\n"
	}
	printf "| **geometric mean** | | |"
	for (i = 2; i <= na; i++)
		if (cnt[i]) printf " **%.2f** | **%.2f** |", exp(lt[i] / cnt[i]), exp(lm[i] / cnt[i])
		else printf " | |"
	printf "\n| geometric mean, CPU time | | |"
	for (i = 2; i <= na; i++)
		if (ccnt[i]) printf " %.2f | |", exp(lc[i] / ccnt[i])
		else printf " | |"
	printf "\n| **max** | | |"
	for (i = 2; i <= na; i++) printf " %.2f | %.2f |", maxt[i], maxm[i]
	printf "\n\n"
	for (i = 2; i <= na; i++)
		if (cnt[i]) printf "%s: worst time %.2fx glibc (%s), worst peak RSS %.2fx (%s)\n",
			a[i], maxt[i], maxtw[i], maxm[i], maxmw[i]
}' "$raw"

# The scaling figure: throughput at N threads over one thread, by wall
# time; and ops per CPU-second at 2 threads over 1, which a busy machine
# disturbs less (it shows what the allocator itself adds per operation).
if [ "$scaling_rounds" -gt 0 ]; then
	echo
	echo "Scaling: throughput (operations/s) at N threads over 1 thread, medians of $scaling_rounds rounds" \
	     "($(nproc) cores: beyond $(nproc) threads is for the record)"
	echo
	awk -v names="${names[*]}" -v order="${scaling[*]}" -v counts="${counts[*]}" "$awk_median"'
	$1 == "scaling" && $5 != "fail" {
		key = $2 SUBSEP $3 SUBSEP $4
		wall[key] = wall[key] " " $7 / $5
		if ($9 > 0) cpu[key] = cpu[key] " " $7 / $9
		if (!(($3, $4) in sum)) sum[$3, $4] = $8
		else if (sum[$3, $4] != $8) bad[$3, $4] = 1
	}
	END {
		na = split(names, a, " "); nw = split(order, w, " "); nc = split(counts, c, " ")
		printf "| workload | allocator | 1 thread, Mops/s |"
		for (k = 2; k <= nc; k++) printf " %s/1 |", c[k]
		printf " 2/1 per CPU-second |\n| --- | --- | ---: |"
		for (k = 2; k <= nc; k++) printf " ---: |"
		printf " ---: |\n"
		for (j = 1; j <= nw; j++)
			for (i = 1; i <= na; i++) {
				one = median(wall[a[i], w[j], 1])
				if (one == "") printf "| %s | %s | fail |", w[j], a[i]
				else printf "| %s | %s | %.2f |", w[j], a[i], one / 1e6
				for (k = 2; k <= nc; k++) {
					x = median(wall[a[i], w[j], c[k]])
					if (bad[w[j], c[k]]) printf " checksum differs |"
					else if (x == "" || one == "") printf " fail |"
					else printf " %.2f |", x / one
				}
				c1 = median(cpu[a[i], w[j], 1]); c2 = median(cpu[a[i], w[j], 2])
				if (c1 == "" || c2 == "") printf " |\n"
				else printf " %.2f |\n", c2 / c1
			}
	}' "$raw"
fi
echo
echo "Every run: $raw (tag allocator workload threads seconds peak_rss_kib ops checksum cpu_seconds)"
