# SPDX-License-Identifier: GPL-2.0
#
# Guest payload of the VM test suite (run by scripts/vm/init, output is
# TAP). Loads kheap.ko, runs every test program under /kheap/tests in name
# order, then unloads the module: a module that cannot be unloaded after
# its users are gone is a leak, so that is a test too. On a kernel with
# kmemleak (scripts/debug-kernel) any object left unreferenced after the
# unload fails the run as well.
echo "TAP version 13"
echo "# guest kernel: $(uname -r)"
status=0

# A debug kernel with kmemleak: forget what boot left behind, so that the
# scan after rmmod reports only what the tests and the module leaked.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
kmemleak=/sys/kernel/debug/kmemleak
if [ -e $kmemleak ]; then
	echo scan >$kmemleak
	echo clear >$kmemleak
fi

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

# kmemleak's backtraces into an unloaded module are bare addresses
if [ -e $kmemleak ]; then
	echo "# kheap .text was at $(cat /sys/module/kheap/sections/.text)"
fi
if rmmod kheap; then
	echo "ok - rmmod kheap"
else
	echo "not ok - rmmod kheap"
	status=1
fi

# Objects younger than 5 s are never reported: wait, then scan twice (the
# second scan drops transient false positives).
if [ -e $kmemleak ]; then
	sleep 6
	echo scan >$kmemleak
	echo scan >$kmemleak
	if ! leaks=$(cat $kmemleak); then
		echo "not ok - kmemleak: no unreferenced objects # kmemleak disabled itself"
		status=1
	elif [ -n "$leaks" ]; then
		echo "not ok - kmemleak: no unreferenced objects"
		echo "$leaks" | sed 's/^/# /'
		status=1
	else
		echo "ok - kmemleak: no unreferenced objects"
	fi
fi
exit $status
