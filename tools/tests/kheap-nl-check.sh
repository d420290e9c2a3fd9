#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the kheap-nl client, for the busybox test guest (TAP lines).
# Needs kheap.ko loaded, root, and the static kheap-nl, kheap_hog and runas
# in $KHEAP_TOOLS (default /kheap/tools).  Exit status: 0 when every check
# passed.
T=${KHEAP_TOOLS:-/kheap/tools}
KNL=$T/kheap-nl
P=/sys/module/kheap/parameters
tmp=$(mktemp -d)
fail=0

t() {
	if [ "$1" = 0 ]; then
		echo "ok - kheap-nl: $2"
	else
		echo "not ok - kheap-nl: $2"
		fail=1
	fi
}

show() {
	sed 's/^/# /' "$1"
}

old_pp=$(cat $P/max_pages_per_process)
old_t=$(cat $P/max_pages_total)

$KNL stats >$tmp/nl; rc=$?
cat /proc/kheap >$tmp/proc
cmp -s $tmp/nl $tmp/proc; t $((rc + $?)) "stats equals /proc/kheap (idle)"

$T/kheap_hog 3 hold >/dev/null & hog=$!
sleep 1
$KNL stats >$tmp/nl; rc=$?
cat /proc/kheap >$tmp/proc
cmp -s $tmp/nl $tmp/proc; same=$?
t $((rc + same)) "stats equals /proc/kheap (one holder)"
[ $same = 0 ] || diff $tmp/nl $tmp/proc | sed 's/^/# /'

$KNL stats --pid $hog >$tmp/nl; rc=$?
{ grep '^pid ' /proc/kheap; grep "^$hog " /proc/kheap; } >$tmp/proc
cmp -s $tmp/nl $tmp/proc; t $((rc + $?)) "stats --pid equals its /proc/kheap row"
kill $hog; wait $hog 2>/dev/null

$KNL stats --pid 1 >$tmp/out 2>$tmp/err; rc=$?
[ $rc = 1 ] && [ ! -s $tmp/out ] && grep -q "holds nothing in kheap" $tmp/err
t $? "stats --pid of a process without kheap: the kernel's message"
show $tmp/err

$KNL set-limits --per-process 100 --total 2000 &&
	[ "$(cat $P/max_pages_per_process)" = 100 ] &&
	[ "$(cat $P/max_pages_total)" = 2000 ]
t $? "set-limits shows in /sys/module/kheap/parameters"
$KNL set-limits --total 3000 &&
	[ "$(cat $P/max_pages_per_process)" = 100 ] &&
	[ "$(cat $P/max_pages_total)" = 3000 ]
t $? "set-limits --total leaves the per-process limit alone"
$KNL set-limits 2>/dev/null
[ $? = 2 ]; t $? "set-limits without a limit is a usage error"

$T/runas 65534 $KNL set-limits --total 1 2>$tmp/err; rc=$?
[ $rc = 1 ] && grep -q "^kheap: permission denied" $tmp/err &&
	[ "$(cat $P/max_pages_total)" = 3000 ]
t $? "set-limits unprivileged: permission denied"
show $tmp/err
$T/runas 65534 $KNL events --count 1 2>$tmp/err; rc=$?
[ $rc = 1 ] && grep -q "^kheap: permission denied" $tmp/err
t $? "events unprivileged: permission denied"
show $tmp/err

$KNL events --count 2 >$tmp/ev & ev=$!
sleep 1
echo 1 >$P/max_pages_per_process
$T/kheap_hog 2 exit >/dev/null
echo $old_pp >$P/max_pages_per_process
$T/kheap_hog 2 exit >/dev/null & leaky=$!
wait $leaky
timeout 10 sh -c "while kill -0 $ev 2>/dev/null; do sleep 0.2; done"
kill $ev 2>/dev/null
wait $ev; rc=$?
show $tmp/ev
[ $rc = 0 ] && grep -q "^limit_hit pid=[0-9]* comm=kheap_hog requested=2 held=0 limit=per_process:1$" $tmp/ev
t $? "events: a limit_hit line"
grep -q "^proc_exit pid=$leaky comm=kheap_hog regions=1 pages=2$" $tmp/ev
t $? "events: a proc_exit line"

echo $old_pp >$P/max_pages_per_process
echo $old_t >$P/max_pages_total
rm -rf $tmp
exit $fail
