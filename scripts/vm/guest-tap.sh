# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the guest's shell checks, in every guest at /guest-tap.sh
# (scripts/vm-run): the checks that source it print the same TAP and
# read /proc/kheap the same way. Set TAP_PREFIX first: it names the
# check in every line.

fail=0

# t STATUS WHAT: one test point, ok when STATUS is 0.
t() {
	if [ "$1" = 0 ]; then
		echo "ok - $TAP_PREFIX: $2"
	else
		echo "not ok - $TAP_PREFIX: $2"
		fail=1
	fi
}

# show FILE: FILE as TAP comments.
show() {
	sed 's/^/# /' "$1"
}

# $(proc_field KEY): a global figure of /proc/kheap.
proc_field() {
	sed -n "s/^$1: *//p" /proc/kheap
}
