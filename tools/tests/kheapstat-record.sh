# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest payload (TAP) that records a chart: kheapstat --record samples the
# module every 0.25 s while holders come and go and the library's soak
# runs, and the recording leaves the guest as "# csv: " lines of the TAP
# (the host cuts it out and plots it with tools/kheap-plot).  Then, with
# the module unloaded, kheapstat must say so.
#
# Needs /kheap/kheap.ko, the static kheapstat and kheap_hog in
# /kheap/tools, and /kheap/kheap_soak (the soak of the library).
T=/kheap/tools
echo "TAP version 13"
echo "# guest kernel: $(uname -r)"
status=0

t() {
	if [ "$1" = 0 ]; then
		echo "ok - kheapstat-record: $2"
	else
		echo "not ok - kheapstat-record: $2"
		status=1
	fi
}

insmod /kheap/kheap.ko
t $? "insmod kheap.ko"

$T/kheapstat --record /tmp/rec.csv --interval 0.25 --duration 14 & rec=$!
sleep 0.5
$T/kheap_hog 256 hold >/dev/null & a=$!
sleep 1.5
$T/kheap_hog 512 hold >/dev/null & b=$!
sleep 1.5
$T/kheap_hog 1024 hold >/dev/null & c=$!
sleep 1.5
kill $b
sleep 1
/kheap/kheap_soak 5 3 2 >/tmp/soak.tap; soak=$?
sleep 1
kill $c
sleep 1
kill $a
wait $a $b $c 2>/dev/null
wait $rec
t $? "kheapstat --record for 14 s"
t $soak "the soak alongside"
sed 's/^/# soak: /' /tmp/soak.tap | grep -v '^# soak: ok' | head -n 20
sed 's/^/# csv: /' /tmp/rec.csv

rmmod kheap
t $? "rmmod kheap"

$T/kheapstat >/tmp/out 2>/tmp/err; rc=$?
[ $rc = 1 ] && [ ! -s /tmp/out ] && [ "$(cat /tmp/err)" = \
	"kheapstat: generic netlink family 'kheap' not found (is kheap.ko loaded?)" ]
t $? "module unloaded: kheapstat says so, exit 1"
sed 's/^/# /' /tmp/err
exit $status
