# SPDX-License-Identifier: GPL-2.0
#
# Guest payload of scripts/check-debian.sh: the Debian packages at work.
# kheap.ko is the one dkms built when kheap-dkms was installed;
# /usr/bin/kheapstat and the libraries under /usr/lib are the packages'
# files with the Debian libraries they need; /kheap/bin holds programs
# built where the packages were installed, against libkheapclient-dev
# (pkg-config), linked to the packaged libkheapclient.so.1. The kernel's
# command line gives KHEAP_PKG_VERSION, the packages' version.
tmp=$(mktemp -d)
TAP_PREFIX=guest
# shellcheck source=scripts/vm/guest-tap.sh
. /guest-tap.sh

insmod /kheap/kheap.ko
t $? "insmod of the kheap.ko dkms built"
[ "$(cat /sys/module/kheap/version 2>/dev/null)" = "$KHEAP_PKG_VERSION" ]
t $? "its version is the packages' ($KHEAP_PKG_VERSION)"
[ -c /dev/kheap ]
t $? "/dev/kheap is there"

/usr/bin/kheapstat >"$tmp"/out 2>&1; rc=$?
cat /proc/kheap >"$tmp"/proc
cmp -s "$tmp"/out "$tmp"/proc; t $((rc + $?)) "kheapstat's output equals /proc/kheap"
[ $rc = 0 ] || show "$tmp"/out

KHEAP_BACKEND=device /kheap/bin/hello_regions >"$tmp"/out 2>&1; rc=$?
head -n 1 "$tmp"/out | grep -q '^backend: device,'
t $((rc + $?)) "hello_regions (the packaged example) runs on /dev/kheap"
show "$tmp"/out
[ "$(proc_field allocations)" -gt 0 ] && [ "$(proc_field regions)" = 0 ]
t $? "the module served its regions and took them all back ($(proc_field allocations) allocations)"

# A holder of pages, built against the packaged library; its row, as
# kheapstat --pid shows it, is its /proc/kheap row.
KHEAP_BACKEND=device /kheap/bin/kheap_holder >"$tmp"/holder 2>&1 &
holder=$!
i=0
while ! grep -q "^$holder " /proc/kheap && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
/usr/bin/kheapstat --pid $holder >"$tmp"/out 2>&1; rc=$?
{ grep '^pid ' /proc/kheap; grep "^$holder " /proc/kheap; } >"$tmp"/proc
[ "$(wc -l <"$tmp"/proc)" = 2 ] && cmp -s "$tmp"/out "$tmp"/proc
t $((rc + $?)) "kheapstat --pid shows the holder's row"
show "$tmp"/out
kill $holder
wait $holder 2>/dev/null
i=0
while [ "$(proc_field processes)" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(proc_field pages_in_use)" = 0 ]
t $? "its pages were reclaimed when it was killed"

# The packaged preload library, by the path the packages document.
# shellcheck disable=SC2016 # $LIB is the dynamic loader's to expand
LD_PRELOAD='/usr/$LIB/kheap/libkheapmalloc.so' KHEAP_BACKEND=device \
	/usr/bin/kheapstat >"$tmp"/out 2>&1; rc=$?
grep -q "^[0-9][0-9]* *kheapstat " "$tmp"/out
t $((rc + $?)) "kheapstat on /usr/\$LIB/kheap/libkheapmalloc.so lists itself"
show "$tmp"/out

rmmod kheap
t $? "rmmod kheap"
rm -rf "$tmp"
exit $fail
