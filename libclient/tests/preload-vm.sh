#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Guest check (TAP) of libkheapmalloc.so on the device backend: a plain
# dynamically linked program through fork and exec, and Debian's own
# `sort` of a large file, both under LD_PRELOAD. The sort must agree with
# busybox's, and /proc/kheap must show the allocations it made. Then the
# plain misuse programs (tests/misuse/plain) under LD_PRELOAD through
# test_misuse, as on the host: guard pages and their faults on regions
# of /dev/kheap.
export KHEAP_BACKEND=device
preload=/kheap/lib/libkheapmalloc.so
n=0 status=0

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		status=1
	fi
}

figure() {
	sed -n "s/^$1: *//p" /proc/kheap
}

misuse=$(ls /kheap/misuse | wc -l)
echo "TAP version 13"
echo "1..$((3 + misuse))"
LD_PRELOAD=$preload /kheap/bin/preload_fork >/tmp/preload_fork.tap 2>&1
result $? "a dynamically linked program forks and execs on libkheapmalloc.so"
sed 's/^/#   /' /tmp/preload_fork.tap

awk 'BEGIN { srand(7); for (i = 0; i < 200000; i++) printf "%08d %s\n", int(rand() * 1e8), i }' >/tmp/big.txt
before=$(figure allocations)
LD_PRELOAD=$preload /kheap/bin/sort /tmp/big.txt >/tmp/sorted.kheap
result $? "Debian's sort runs on libkheapmalloc.so"
sort /tmp/big.txt >/tmp/sorted.busybox
after=$(figure allocations)
cmp -s /tmp/sorted.kheap /tmp/sorted.busybox && [ "$after" -gt "$before" ]
result $? "its output equals busybox sort's, and it took regions from /dev/kheap"
rm -f /tmp/big.txt /tmp/sorted.kheap /tmp/sorted.busybox

# test_misuse's results renumbered into this plan; its comments kept.
/kheap/bin/test_misuse --preload $preload /kheap/misuse >/tmp/misuse.tap 2>&1
misuse_status=$?
while IFS= read -r line; do
	case $line in
	"ok "* | "not ok "*)
		n=$((n + 1))
		echo "$line" | sed -E "s/^(not )?ok [0-9]+ - /\1ok $n - misuse: /" ;;
	"TAP version"* | 1..*) ;;
	*) echo "# $line" ;;
	esac
done </tmp/misuse.tap
[ $misuse_status = 0 ] || status=1
exit $status
