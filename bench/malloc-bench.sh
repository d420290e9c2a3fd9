#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kheap's allocator against glibc, mimalloc, jemalloc and tcmalloc, all
# measured in this one run on this machine: the same binary
# (bench/malloc_bench.c) under each allocator through LD_PRELOAD, each
# figure the median of REPEAT runs. kheap runs through its drop-in
# library, smart-pointer checks on, on the backend KHEAP_BACKEND names
# (anon on a host without the module).
#
# Usage: bench/malloc-bench.sh BENCH_BINARY KHEAP_PRELOAD [REPEAT]
set -euo pipefail

bench=$1 kheap=$2 repeat=${3:-3}
libdir=/usr/lib/$(gcc -print-multiarch)
names=(glibc mimalloc jemalloc tcmalloc kheap)
preload=("" "$libdir/libmimalloc.so.2" "$libdir/libjemalloc.so.2"
	 "$libdir/libtcmalloc_minimal.so.4" "$kheap")
export KHEAP_BACKEND=${KHEAP_BACKEND:-anon}

for lib in "${preload[@]}"; do
	if [ -n "$lib" ] && [ ! -e "$lib" ]; then
		echo "malloc-bench: $lib is missing (make bench installs the peers)" >&2
		exit 1
	fi
done

# median KEY ALLOCATOR_INDEX WORKLOAD...: the median of KEY over the runs
median() {
	local key=$1 index=$2
	shift 2
	for _ in $(seq "$repeat"); do
		LD_PRELOAD=${preload[$index]} "$bench" "$@" | tr ' ' '\n' | sed -n "s/^$key=//p"
	done | sort -g | sed -n "$(((repeat + 1) / 2))p"
}

row() {
	local label=$1 key=$2 i
	shift 2
	local -a value=()
	for i in "${!names[@]}"; do
		value[i]=$(median "$key" "$i" "$@")
	done
	printf '%-22s' "$label"
	printf '%10s' "${value[@]}"
	for i in 0 1 2 3; do
		printf '%10s' "$(awk -v k="${value[4]}" -v p="${value[i]}" 'BEGIN { printf "%.2fx", k / p }')"
	done
	printf '\n'
}

printf '%-22s' "workload"
printf '%10s' "${names[@]}" "k/glibc" "k/mimal" "k/jemal" "k/tcmal"
printf '\n'
for size in 16 64 256 1024 4096; do
	row "pair $size B (ns)" ns pair "$size"
done
row "mixed live set (ns/op)" ns mixed
row "mixed RSS / live" rss_over_live mixed
row "producer/consumer (ns)" ns prodcons
echo "ratios: kheap's figure over the peer's; below 1.00x kheap is faster (or leaner)"
