# SPDX-License-Identifier: GPL-2.0
#
# Guest payload of `make run`: load kheap.ko, show /proc/kheap, run the
# example programs on the device backend, show /proc/kheap again, unload.
set -eo pipefail
echo "== guest kernel $(uname -r)"
echo "== insmod kheap.ko"
insmod /kheap/kheap.ko
echo "== /proc/kheap before"
cat /proc/kheap
for example in /kheap/examples/*; do
	echo "== ${example##*/}"
	KHEAP_BACKEND=device "$example"
done
echo "== /proc/kheap after"
cat /proc/kheap
echo "== rmmod kheap"
rmmod kheap
