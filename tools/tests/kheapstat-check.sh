#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Checks of kheapstat, for the busybox test guest (TAP lines).  Needs
# kheap.ko loaded, root, and the static kheapstat, kheap_hog, runas and
# json_get in $KHEAP_TOOLS (default /kheap/tools).  Leaves the limits as it
# found them.  Exit status: 0 when every check passed.
T=${KHEAP_TOOLS:-/kheap/tools}
KST=$T/kheapstat
P=/sys/module/kheap/parameters
tmp=$(mktemp -d)
TAP_PREFIX=kheapstat
# shellcheck source=scripts/vm/guest-tap.sh
. /guest-tap.sh
hogs=

# $(proc_row PID): the /proc/kheap row of PID, fields separated by one blank.
proc_row() {
	awk -v pid="$1" '$1 == pid { $1 = $1; print }' /proc/kheap
}

# hog PAGES: a background holder of a PAGES-page region; sets $hog.
hog() {
	$T/kheap_hog "$1" hold >/dev/null & hog=$!
	hogs="$hogs $hog"
	# Wait for its row (an emulated guest is slow).
	i=0
	while [ -z "$(proc_row $hog)" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

old_pp=$(cat $P/max_pages_per_process)
old_t=$(cat $P/max_pages_total)

# ---------------------------------------------------------- figures --

$KST >$tmp/out; rc=$?
cat /proc/kheap >$tmp/proc
cmp -s $tmp/out $tmp/proc; t $((rc + $?)) "output equals /proc/kheap (idle)"

hog 3; hog1=$hog
$KST >$tmp/out; rc=$?
cat /proc/kheap >$tmp/proc
cmp -s $tmp/out $tmp/proc; same=$?
t $((rc + same)) "output equals /proc/kheap (one holder)"
[ $same = 0 ] || diff $tmp/out $tmp/proc | sed 's/^/# /'

$KST --pid $hog1 >$tmp/out; rc=$?
{ grep '^pid ' /proc/kheap; grep "^$hog1 " /proc/kheap; } >$tmp/proc
cmp -s $tmp/out $tmp/proc; t $((rc + $?)) "--pid equals its /proc/kheap row"

$KST --pid 1 >$tmp/out 2>$tmp/err; rc=$?
[ $rc = 1 ] && [ ! -s $tmp/out ] && grep -q "holds nothing in kheap" $tmp/err
t $? "--pid of a process without kheap: exit 1, the kernel's message"
show $tmp/err

$T/runas 65534 $KST >$tmp/out 2>$tmp/err; rc=$?
$T/runas 65534 /bin/cat /proc/kheap >$tmp/proc
cmp -s $tmp/out $tmp/proc; t $((rc + $?)) "unprivileged: output equals its /proc/kheap"
show $tmp/err

# ------------------------------------------------------------- JSON --

$KST --json >$tmp/json; rc=$?
[ $rc = 0 ] && [ "$(wc -l <$tmp/json)" = 1 ] && $T/json_get . <$tmp/json >/dev/null
t $? "--json: one line of valid JSON"
show $tmp/json

ok=0
for key in page_size regions pages_in_use peak_pages allocations frees \
	   failures max_pages_per_region max_pages_per_process \
	   max_pages_total processes limit_hits; do
	got=$($T/json_get global.$key <$tmp/json)
	want=$(proc_field $key)
	if [ "$got" != "$want" ]; then
		echo "# global.$key: json $got, /proc/kheap $want"
		ok=1
	fi
done
[ "$($T/json_get global.abi_version <$tmp/json)" = \
  "$(sed -n 's/^kheap abi //p' /proc/kheap)" ] || ok=1
t $ok "--json: global figures equal /proc/kheap"

[ "$($T/json_get processes.# <$tmp/json)" = \
  "$(awk 'body { n++ } /^pid / { body = 1 } END { print n + 0 }' /proc/kheap)" ]
t $? "--json: one process object per /proc/kheap row"

$KST --json --pid $hog1 >$tmp/json; rc=$?
got=$($T/json_get processes.# processes.0.pid processes.0.comm \
	processes.0.regions processes.0.pages processes.0.peak \
	processes.0.failures processes.0.limit_hits <$tmp/json)
[ $rc = 0 ] && [ "$got" = "1 $(proc_row $hog1)" ]
t $? "--json --pid: the process's figures equal its /proc/kheap row"
echo "# $got"

# ------------------------------------------------------------- sort --

hog 5; hog2=$hog
$KST --sort pages >$tmp/out
first=$(awk 'body { print $1; exit } /^pid / { body = 1 }' $tmp/out)
$KST --sort pid >$tmp/out2
second=$(awk 'body { n++; if (n == 2) { print $1; exit } } /^pid / { body = 1 }' $tmp/out2)
[ "$first" = $hog2 ] && [ "$second" = $hog2 ]
t $? "--sort pages: the largest holder first; --sort pid: ascending"

# ------------------------------------------------------------ watch --

$KST --watch 0.5 --count 3 >$tmp/out; rc=$?
[ $rc = 0 ] &&
	[ "$(grep -c '^kheapstat: .*, every 0.5s$' $tmp/out)" = 3 ] &&
	[ "$(grep -c '^pages_in_use: ' $tmp/out)" = 3 ] &&
	[ "$(grep -c "^$hog1 *kheap_hog *1 *3 *3 " $tmp/out)" = 3 ]
t $? "--watch 0.5 --count 3 (not a terminal): three blocks"

$KST --watch 0.5 --count 2 --json --pid $hog2 >$tmp/json; rc=$?
[ $rc = 0 ] && [ "$(wc -l <$tmp/json)" = 2 ] &&
	[ "$($T/json_get processes.0.pid processes.0.pages <$tmp/json |
	     sort -u)" = "$hog2 5" ]
t $? "--watch --json: one object per line"

# ----------------------------------------------------------- record --

$KST --record $tmp/rec.csv --interval 0.5 --duration 1 --pid $hog1; rc=$?
sed 's/^/# /' $tmp/rec.csv
[ $rc = 0 ] &&
	[ "$(head -n 1 $tmp/rec.csv)" = "time,elapsed,pid,comm,regions,pages,peak,failures,limit_hits" ] &&
	[ "$(wc -l <$tmp/rec.csv)" = 7 ] &&
	[ "$(grep -c '^[0-9]*\.[0-9]\{3\},[0-9]*\.[0-9]\{3\},0,(global),2,8,[0-9]*,[0-9]*,[0-9]*$' $tmp/rec.csv)" = 3 ] &&
	[ "$(grep -c "^[0-9]*\.[0-9]\{3\},[0-9]*\.[0-9]\{3\},$hog1,kheap_hog,1,3,3,0,0$" $tmp/rec.csv)" = 3 ]
t $? "--record --interval 0.5 --duration 1 --pid: a header, three samples of two rows"

awk -F, 'NR > 1 && $3 == 0 { if (n && $2 < last + 0.4) bad = 1; last = $2; n++ }
	 END { exit bad || n != 3 }' $tmp/rec.csv
t $? "--record: samples about --interval apart"

$KST --record - --count 1 >$tmp/rec.csv; rc=$?
[ $rc = 0 ] && [ "$(wc -l <$tmp/rec.csv)" = 4 ] &&
	grep -q ",$hog2,kheap_hog,1,5,5,0,0$" $tmp/rec.csv
t $? "--record - --count 1: every process, to standard output"

# $hog1 leaves: recording it ends, without an error.
(sleep 1; kill $hog1) &
$KST --record $tmp/rec.csv --interval 0.2 --pid $hog1 2>$tmp/err; rc=$?
[ $rc = 0 ] && grep -q "process $hog1 has exited" $tmp/err
t $? "--record --pid: ends when the process exits"
show $tmp/err
kill $hog2
wait $hog1 $hog2 2>/dev/null

# ------------------------------------------------------- set-limits --

$KST --set-limits --per-process 100 --total 2000 >$tmp/out &&
	[ "$(cat $P/max_pages_per_process)" = 100 ] &&
	[ "$(cat $P/max_pages_total)" = 2000 ] &&
	grep -q '^max_pages_per_process: *100$' $tmp/out
t $? "--set-limits shows in /sys/module/kheap/parameters"
$KST --set-limits --total 3000 >/dev/null &&
	[ "$(cat $P/max_pages_per_process)" = 100 ] &&
	[ "$(cat $P/max_pages_total)" = 3000 ]
t $? "--set-limits --total leaves the per-process limit alone"
$KST --set-limits 2>/dev/null
[ $? = 2 ]; t $? "--set-limits without a limit is a usage error"
$KST --per-process 5 2>/dev/null
[ $? = 2 ]; t $? "--per-process without --set-limits is a usage error"
$KST --watch 1 --events 2>/dev/null
[ $? = 2 ]; t $? "two modes are a usage error"

$T/runas 65534 $KST --set-limits --total 1 2>$tmp/err; rc=$?
[ $rc = 1 ] && grep -q "^kheapstat: permission denied" $tmp/err &&
	[ "$(cat $P/max_pages_total)" = 3000 ]
t $? "--set-limits unprivileged: permission denied, exit 1"
show $tmp/err
$T/runas 65534 $KST --events --count 1 2>$tmp/err; rc=$?
[ $rc = 1 ] && grep -q "^kheapstat: permission denied" $tmp/err
t $? "--events unprivileged: permission denied, exit 1"
show $tmp/err
echo $old_pp >$P/max_pages_per_process
echo $old_t >$P/max_pages_total

# ----------------------------------------------------------- events --

# A hog whose pid is known before it allocates, for --events --pid.
sh -c "sleep 3; exec $T/kheap_hog 2 exit >/dev/null" & late=$!

$KST --events --count 2 >$tmp/ev & ev=$!
$KST --events --count 2 --json >$tmp/evj & evj=$!
$KST --events --count 1 --pid $late >$tmp/evp & evp=$!
sleep 1
echo 1 >$P/max_pages_per_process
$T/kheap_hog 2 exit >/dev/null
echo $old_pp >$P/max_pages_per_process
$T/kheap_hog 2 exit >/dev/null & leaky=$!
wait $leaky $late
for p in $ev $evj $evp; do
	timeout 10 sh -c "while kill -0 $p 2>/dev/null; do sleep 0.2; done"
	kill $p 2>/dev/null
done
wait $ev; rc=$?
wait $evj; rcj=$?
wait $evp; rcp=$?
show $tmp/ev
show $tmp/evj
show $tmp/evp
[ $rc = 0 ] && grep -q "^limit_hit pid=[0-9]* comm=kheap_hog requested=2 held=0 limit=per_process:1$" $tmp/ev
t $? "--events: a limit_hit line"
grep -q "^proc_exit pid=$leaky comm=kheap_hog regions=1 pages=2$" $tmp/ev
t $? "--events: a proc_exit line"

[ $rcj = 0 ] && [ "$(wc -l <$tmp/evj)" = 2 ] &&
	[ "$(head -n 1 $tmp/evj | $T/json_get event comm requested held limit_kind limit)" = \
	  "limit_hit kheap_hog 2 0 per_process 1" ] &&
	[ "$(tail -n 1 $tmp/evj | $T/json_get event pid comm regions pages)" = \
	  "proc_exit $leaky kheap_hog 1 2" ]
t $? "--events --json: one object per event, the same figures"

[ $rcp = 0 ] && [ "$(cat $tmp/evp)" = "proc_exit pid=$late comm=kheap_hog regions=1 pages=2" ]
t $? "--events --pid: that process's events only"

# ------------------------------------------------- a changing table --

# Enough rows that a dump takes several rounds, and processes coming and
# going meanwhile: a dump they interrupt is read again, never given up.
i=0
while [ $i -lt 60 ]; do
	$T/kheap_hog 1 hold >/dev/null & hogs="$hogs $!"
	i=$((i + 1))
done
sh -c "while :; do $T/kheap_hog 1 exit >/dev/null; done" & churn=$!
bad=0
i=0
: >$tmp/err
while [ $i -lt 30 ]; do
	$KST --json >$tmp/out 2>>$tmp/err || bad=$((bad + 1))
	i=$((i + 1))
done
kill $churn
[ $bad = 0 ]
t $? "a table changing during the dumps: 30 snapshots of 30 taken"
show $tmp/err

# -------------------------------------------------- no kheap family --

# The family lives in the initial network namespace only: in a new one
# kheapstat finds no family, as when the module is not loaded.
unshare -n $KST >$tmp/out 2>$tmp/err; rc=$?
[ $rc = 1 ] && [ ! -s $tmp/out ] && [ "$(cat $tmp/err)" = \
	"kheapstat: generic netlink family 'kheap' not found (is kheap.ko loaded?)" ]
t $? "no family (new network namespace): the module-not-loaded message, exit 1"
show $tmp/err
unshare -n $KST --events 2>$tmp/err; rc=$?
[ $rc = 1 ] && grep -q "family 'kheap' not found" $tmp/err
t $? "no family: --events says so too"

$KST --help >$tmp/out; rc=$?
[ $rc = 0 ] && grep -q -- '--set-limits' $tmp/out && grep -q -- '--record FILE' $tmp/out
t $? "--help: exit 0, the options"

for p in $hogs; do kill $p 2>/dev/null; done
wait
rm -rf $tmp
exit $fail
