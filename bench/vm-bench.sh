# SPDX-License-Identifier: GPL-2.0
#
# Guest payload of the kheap benchmark (scripts/vm-run --payload): load the
# module, run the benchmark, unload. Numbers only, no verdict beyond "it ran".
echo "TAP version 13"
echo "# guest kernel: $(uname -r)"
insmod /kheap/kheap.ko || { echo "not ok - insmod kheap.ko"; exit 1; }
status=0
if /kheap/bench/kheap_bench ${KHEAP_BENCH_ITERATIONS:-4000} | sed 's/^/# /'; then
	echo "ok - kheap_bench ran"
else
	echo "not ok - kheap_bench"
	status=1
fi
rmmod kheap || status=1
exit $status
