# SPDX-License-Identifier: GPL-2.0
#
# Guest payload of the VM test suite (run by scripts/vm/init, output is
# TAP). Loads kheap.ko, runs every test program under /kheap/tests in name
# order, then unloads the module: a module that cannot be unloaded after
# its users are gone is a leak, so that is a test too.
echo "TAP version 13"
echo "# guest kernel: $(uname -r)"
status=0

if insmod /kheap/kheap.ko; then
	echo "ok - insmod kheap.ko"
else
	echo "not ok - insmod kheap.ko"
	exit 1
fi

for test in /kheap/tests/*; do
	[ -x "$test" ] || continue
	echo "# selftest: ${test##*/}"
	"$test" || status=1
done

if rmmod kheap; then
	echo "ok - rmmod kheap"
else
	echo "not ok - rmmod kheap"
	status=1
fi
exit $status
