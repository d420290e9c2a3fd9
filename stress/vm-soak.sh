# SPDX-License-Identifier: GPL-2.0
#
# Guest payload of `make soak` (TAP): load and unload the module in a
# loop with real work in between, then the soak proper for
# KHEAP_SOAK_SECONDS (from the kernel command line), then unload.
echo "TAP version 13"
echo "# guest kernel: $(uname -r)"
status=0

for cycle in 1 2 3 4 5; do
	if insmod /kheap/kheap.ko && /kheap/kheap_soak 1 2 2 >/dev/null && rmmod kheap; then
		echo "ok - load, use and unload, cycle $cycle"
	else
		echo "not ok - load, use and unload, cycle $cycle"
		exit 1
	fi
done

insmod /kheap/kheap.ko || exit 1
/kheap/kheap_soak || status=1
if rmmod kheap; then
	echo "ok - rmmod kheap after the soak"
else
	echo "not ok - rmmod kheap after the soak"
	status=1
fi
exit $status
