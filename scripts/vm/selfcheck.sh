#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM runner's proof about itself: a test lane that cannot fail proves
# nothing, so feed scripts/vm-run guests that go wrong in each way it claims
# to catch and expect each to be reported as a failure, for the right
# reason. A healthy guest must pass, or the failures prove nothing either.
#
# Usage: scripts/vm/selfcheck.sh RELEASE WARN_MODULE [IMAGE]   (prints TAP)
#   IMAGE: the kernel image to boot when it is not /boot/vmlinuz-RELEASE
#   (a later suite's, from scripts/suite-kernel)
set -uo pipefail

kernel=$1
warn_module=$2
image=(${3:+--image "$3"})
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$top/build/vm/selfcheck
mkdir -p "$work"

n=0 failed=0
echo "TAP version 13"
echo "1..7"

# expect NAME WANT_STATUS REASON_REGEX PAYLOAD [vm-run options]
expect() {
	local name=$1 want=$2 reason=$3 payload=$4 status
	shift 4

	n=$((n + 1))
	printf '%s\n' "$payload" >"$work/$name.sh"
	"$top/scripts/vm-run" --kernel "$kernel" "${image[@]}" --label "selfcheck-$name" \
		--out "$work/$name" --payload "$work/$name.sh" "$@" \
		>"$work/$name.out" 2>&1
	status=$?
	if [ "$status" = "$want" ] && grep -qE -- "$reason" "$work/$name.out"; then
		echo "ok $n - runner: $name"
	else
		echo "not ok $n - runner: $name # exit $status, wanted $want and /$reason/"
		sed 's/^/#   /' "$work/$name.out" | tail -n 20
		failed=1
	fi
}

expect healthy-guest-passes 0 '^ok - .*: no unexpected taint' \
	'echo "ok 1 - fine"'
expect failing-payload-fails 1 'not ok - .*guest payload passed # payload exit status 3' \
	'exit 3'
expect kernel-warning-fails 1 'not ok - .*no kernel splat in the console log # .*WARNING: .*warn_on_load' \
	'insmod /warn_on_load.ko' --file "$warn_module:warn_on_load.ko"
expect hang-fails 1 'not ok - .*# hang: no verdict within 20s' \
	'sleep 1000' --timeout 20
expect panic-fails 1 'not ok - .*# guest powered off without a verdict' \
	'echo c >/proc/sysrq-trigger'
# No /init: the kernel panics before any payload, on every boot.
expect boot-failure-is-retried 1 'failed before its payload started, 3 boots in a row' \
	'true' --append rdinit=/no-such-init
expect unexpected-taint-fails 1 'not ok - .*no unexpected taint # taint 1$' \
	'echo 1 >/proc/sys/kernel/tainted'

exit $failed
