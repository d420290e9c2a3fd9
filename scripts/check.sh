#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test of the project in one run. Each step prints TAP,
# kept in $BUILD/tap/ as well; a step that fails without saying which test
# failed (a crash, a build error) still counts as one failure. The last line
# is the sum of all of it: N passed, N failed[, N skipped].
#
# Each step's time is a TAP comment after it ("# time: NAME: N s").
#
# Usage: scripts/check.sh   (run by make, which exports the variables below)
#   BUILD, VM_KERNELS (releases to boot), VM_SLUB_DEBUG_KERNEL (booted once more
#   with slub_debug=FZPU), VM_SUITES (later suites whose newest kernel is
#   booted, the module built in a chroot of each), KHEAP_VERSION (the release
#   dkms builds)
set -uo pipefail

tapdir=$BUILD/tap
rm -rf "$tapdir"
mkdir -p "$tapdir"
step_no=0

# step NAME COMMAND...
step() {
	local name=$1 tap status start=$SECONDS
	shift
	step_no=$((step_no + 1))
	tap=$tapdir/$(printf %02d $step_no)-$name.tap
	echo "### $name"
	"$@" 2>&1 | tee "$tap"
	status=${PIPESTATUS[0]}
	if [ "$status" != 0 ] && ! grep -q '^not ok' "$tap"; then
		echo "not ok - $name: exited with status $status" | tee -a "$tap"
	fi
	echo "# time: $name: $((SECONDS - start)) s" | tee -a "$tap"
}

submake() {
	make -s --no-print-directory "$@"
}

# Started first, beside the steps before the ones that need them: the
# debug kernel's first build (10-13 minutes of both cores, niced so that
# the steps in front keep their pace) and the later suites' chroots
# (a minute or two of downloads each). Most steps keep one core busy, a
# guest under TCG mostly one, so the build takes the idle one. The debug
# kernel's step waits for its build; scripts/suite-kernel waits for a
# chroot still being made by itself (flock).
nice -n 10 scripts/debug-kernel/build.sh "$BUILD" >"$tapdir/debug-kernel-build.log" 2>&1 &
debug_kernel_build=$!
for suite in $VM_SUITES; do
	scripts/suite-kernel "$BUILD" "$suite" >"$tapdir/chroot-$suite.log" 2>&1 &
done

if ! submake all vm-modules vm-tests >"$tapdir/build.log" 2>&1; then
	cat "$tapdir/build.log"
	echo "not ok - build" | tee "$tapdir/00-build.tap"
	scripts/tap-summary "$tapdir"/*.tap
	exit 1
fi

step lint submake lint
step install scripts/check-install.sh "$BUILD"
step dkms scripts/check-dkms.sh "$BUILD" "$KHEAP_VERSION"
step debian scripts/check-debian.sh "$BUILD" "$KHEAP_VERSION" "${VM_KERNELS%% *}"
step library submake check-lib
step fuzz submake fuzz
step runner submake check-runner
for kernel in $VM_KERNELS; do
	step "vm-$kernel" submake check-vm VM_KERNEL="$kernel"
done
for suite in $VM_SUITES; do
	step "vm-$suite" submake check-suite-kernel SUITE="$suite"
done
step "vm-$VM_SLUB_DEBUG_KERNEL-slub_debug" submake check-vm \
	VM_KERNEL="$VM_SLUB_DEBUG_KERNEL" VM_APPEND=slub_debug=FZPU VM_LABEL="$VM_SLUB_DEBUG_KERNEL+slub_debug"
step soak submake soak VM_KERNEL="$VM_SLUB_DEBUG_KERNEL" VM_APPEND=slub_debug=FZPU
# Last: the first run's build of the kernel, started above, must be done.
wait "$debug_kernel_build"
step debug-kernel submake check-debug-kernel

echo "###"
scripts/tap-summary "$tapdir"/*.tap
