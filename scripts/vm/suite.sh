# SPDX-License-Identifier: GPL-2.0
#
# Guest payload of the VM test suite (run by scripts/vm/init, output is
# TAP). Loads kheap.ko, runs the kselftest collections under
# /kheap/selftests (the suite as 64- and as 32-bit programs), then every
# test program under /kheap/tests, each in name order, then unloads the
# module: a module that cannot be unloaded after its users are gone is a
# leak, so that is a test too. On a kernel with kmemleak
# (scripts/debug-kernel) any object left unreferenced after the unload
# fails the run as well.
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

# A kselftest collection's timeout, with the semantics of kselftest's
# runner (tools/testing/selftests/kselftest/runner.sh): timeout= of the
# collection's settings file, 45 s when it has none. The runner itself
# does not fit this guest: it times out programs only with
# /usr/bin/timeout, and nests their TAP as comments.
read_settings() {
	kselftest_timeout=45
	[ -r "$1/settings" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		timeout=*) kselftest_timeout=${line#timeout=} ;;
		esac
	done <"$1/settings"
}

for dir in /kheap/selftests/*; do
	[ -d "$dir" ] || continue
	collection=${dir##*/}
	read_settings "$dir"
	for test in "$dir"/*; do
		[ -x "$test" ] || continue
		echo "# selftests: $collection: ${test##*/}"
		timeout "$kselftest_timeout" "$test"
		rc=$?
		[ $rc = 0 ] || status=1
		# busybox's timeout execs the program, so one it stops ends
		# with SIGTERM's status (128 + 15), coreutils' exits with 124.
		case $rc in
		124 | 143) echo "not ok - selftests: $collection: ${test##*/} # TIMEOUT $kselftest_timeout seconds" ;;
		esac
	done
done

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
