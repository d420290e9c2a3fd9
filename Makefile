# SPDX-License-Identifier: GPL-2.0
#
# kheap: top-level build. Everything lands in $(BUILD); nothing is written
# beside the sources. Two lanes: the product, which is what make install
# ships and all it builds, and the test lane, which may set the machine up
# (scripts/setup.sh, apt-get) and builds what only tests need.
#
# The product:
#   make                 the product and the examples
#   make product         module for $(KDIR), library (.so, .a and the LD_PRELOAD
#                        libkheapmalloc.so), kheapstat
#   make install         the product: the module by kbuild's modules_install into
#                        extra/ and depmod, library, preload library, headers,
#                        pkg-config, kheapstat, udev rule (DESTDIR, PREFIX, LIBDIR,
#                        PRELOADDIR); the two halves alone: install-module and
#                        install-user (all but the module: no kernel headers needed)
#   make install-dkms    the module's sources and dkms.conf in /usr/src/kheap-VERSION
#   make INSTRUMENT=1    build the examples with -DKHEAP_INSTRUMENT (allocation sites)
#   make clean
#
# The test lane:
#   make run             set up, build, boot a VM, load the module, run the examples
#   make check           set up, build, run every test (host and VM), sum them up
#   make lint            checkpatch --strict, sparse (C=2) and W=1 on every kernel
#   make check-lib       the library's host tests: plain, ASan+UBSan, TSan, preload
#   make selftests       the kselftest suite by its Makefile and kselftest's lib.mk,
#                        static, 64- and 32-bit: $(BUILD)/selftests/kheap{,-m32}
#   make check-vm        the VM suite on VM_KERNEL (make vm-modules first)
#   make check-suite-kernel  the VM suite on the newest kernel of SUITE (sid),
#                        the module built in a chroot of that suite
#   make check-debug-kernel  the VM suite on a 6.1 kernel built with KASAN,
#                        lockdep and kmemleak (builds it the first time);
#                        part of make check
#   make fuzz            the library's libFuzzer harness, FUZZ_SECONDS (default 60)
#   make soak            library and module under pressure in a guest, SOAK_SECONDS
#   make profile-demo    the examples instrumented, run with every built-in profiler
#   make bench-kernel    region acquire/map/touch/release vs anonymous mmap, in a guest
#   make bench           the workload set (larson, cfrac, espresso, ...) against glibc,
#                        mimalloc, jemalloc, tcmalloc, scudo; BENCH_ROUNDS (default 5)
#   make bench-malloc    the allocator against glibc, mimalloc, jemalloc, tcmalloc
#   make misuse-report   which misuse programs each of those allocators catches
#                        (a report, not a test; kept in bench/misuse-last.txt)
#   make kheapstat-chart record a guest run with kheapstat, plot it (gnuplot)
#   make check-fresh     the README's two commands in a debootstrapped Debian 12
#                        that has only git (slow: not part of make check)
#
# KDIR picks the kernel headers to build against: the running kernel's when
# they exist (a real host), else the newest installed under /lib/modules.

# The project's release, and its only spelling: the library's file name and
# soname (the first number: libkheapclient.so.1), the pkg-config file's
# Version and the module's MODULE_VERSION. Not VERSION: the kernel's
# Makefile has its own, and a variable given on make's command line
# reaches every sub-make, kbuild's too.
KHEAP_VERSION	:= 1.0.0
# Kbuild takes it from the environment, also when scripts/lint.sh builds.
export KHEAP_VERSION

BUILD		?= build
PREFIX		?= /usr/local
LIBDIR		?= $(PREFIX)/lib
# The preload library is no library to link with: a packager may put it
# in a folder of its own (Debian: $LIBDIR/kheap).
PRELOADDIR	?= $(LIBDIR)
INCLUDEDIR	?= $(PREFIX)/include
CC		?= gcc

# The VM runner and the scripts find the build folder here too.
export BUILD

KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build), \
	     $(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1))
kernel_release = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
			$(1)/include/generated/utsrelease.h 2>/dev/null)
KVER := $(call kernel_release,$(KDIR))

# The VM lane boots the newest installed 6.1 and 6.12 kernels: the two LTS
# releases the module supports, and 6.12's PREEMPT_RT flavour, where
# spinlock_t sleeps. Releases change with Debian's updates, so they are
# looked up, never written down. $(2) is the flavour: the release ends in
# a digit, then -amd64 or -rt-amd64 (6.1.0-57-amd64, 6.12.118+deb12-rt-amd64).
newest_release = $(shell ls /lib/modules 2>/dev/null | grep '^$(1)\.' | \
	grep -E -- '[0-9]-$(2)$$' | sort -V | tail -n 1)
VM_KERNELS	?= $(strip $(call newest_release,6\.1,amd64) $(call newest_release,6\.12,amd64) \
		     $(call newest_release,6\.12,rt-amd64))
VM_SLUB_DEBUG_KERNEL	?= $(word 2,$(VM_KERNELS))
# And the newest kernel of each later suite (check-suite-kernel).
VM_SUITES	?= sid
VM_KERNEL	?= $(or $(filter $(KVER),$(VM_KERNELS)),$(word 2,$(VM_KERNELS)))
VM_APPEND	?=
VM_LABEL	?= $(VM_KERNEL)
VM_VMLINUX	?=
VM_IMAGE	?=
VM_TIMEOUT	?= 600

.PHONY: all product module vm-modules selftests tools vm-tests setup run check \
	check-runner check-vm check-suite-kernel debug-kernel check-debug-kernel lint fuzz soak bench-kernel \
	bench bench-malloc misuse-report install install-module install-user install-dkms clean \
	kheapstat-chart check-fresh
.DELETE_ON_ERROR:

# The product is what `make install` ships and all it builds: nothing of
# the test lane (selftests, 32-bit or static builds for the guest), whose
# rules may run scripts/setup.sh and so apt-get.
all: product examples

product: module lib tools

# ---------------------------------------------------------------- module --

MODULE_FILES := Kbuild uapi $(wildcard module/*.c module/*.h)
KBUILD_FLAGS := W=1

# $(call build_module,KDIR,RELEASE[,extra make args])
build_module = scripts/kbuild.sh $(1) $(BUILD)/kmod/$(2) . $(MODULE_FILES) -- \
	$(KBUILD_FLAGS) $(3)

module:
	@test -n "$(KVER)" || { echo "no kernel headers at KDIR=$(KDIR)" >&2; exit 1; }
	$(call build_module,$(KDIR),$(KVER))
	cp $(BUILD)/kmod/$(KVER)/kheap.ko $(BUILD)/kheap.ko

vm-modules:
	$(foreach k,$(VM_KERNELS),$(call build_module,/lib/modules/$(k)/build,$(k)) &&) true
	$(foreach k,$(VM_KERNELS),scripts/kbuild.sh /lib/modules/$(k)/build \
		$(BUILD)/selfcheck/$(k) scripts/vm/selfcheck Kbuild warn_on_load.c &&) true

# ------------------------------------------------------ library, examples --

include libclient/libclient.mk

# ------------------------------------------------------------- selftests --

# selftests/kheap builds through its own Makefile with kselftest's lib.mk,
# as it does as tools/testing/selftests/kheap of a kernel tree. Out of a
# tree, nothing is beside it to answer its `include ../lib.mk` and its
# "../kselftest_harness.h": both come from the kselftest files
# scripts/setup.sh extracts from linux-source-6.1 into KSFT_TREE. make and
# gcc also look for a relative name in the folders named by -I, so naming
# KSFT_TREE/kselftest (lib.mk's runner folder) to both makes KSFT_TREE the
# suite's parent, and selftests/kheap stays exactly what a kernel tree
# takes. Each variant builds into a folder of its own (OUTPUT), static for
# the busybox guest, with the program names of the suite's Makefile
# (lib.mk leaves making OUTPUT to its caller).
KSFT_TREE := $(abspath $(BUILD)/tools/src/tools/testing/selftests)

# $(call ksft_make,COLLECTION,CFLAGS[,TARGET]): lib.mk's TARGET (all) for
# the suite built with CFLAGS into $(BUILD)/selftests/COLLECTION
ksft_make = $(MAKE) --no-print-directory -C selftests/kheap -I $(KSFT_TREE)/kselftest \
	OUTPUT=$(abspath $(BUILD)/selftests/$(1)) COLLECTION=$(1) \
	USERCFLAGS="-g -I$(KSFT_TREE)/kselftest $(2)" USERLDFLAGS=-static $(3)

# The suite once more as 32-bit programs (gcc-multilib): the module's
# compat path and offsets within a 32-bit mmap's reach. The harness's
# pointer comparisons cast pointers to uintmax_t, which -m32 warns about.
KSFT_M32_CFLAGS := -m32 -Wno-pointer-to-int-cast
KSFT_COLLECTIONS := kheap kheap-m32

# kselftest-list.txt, as kselftest's install writes it (COLLECTION:PROGRAM),
# names what check-vm copies into the guest: programs of tests since
# renamed stay in OUTPUT, but no longer run.
selftests: $(BUILD)/tools/.extracted
	@mkdir -p $(addprefix $(BUILD)/selftests/,$(KSFT_COLLECTIONS))
	$(call ksft_make,kheap)
	$(call ksft_make,kheap-m32,$(KSFT_M32_CFLAGS))
	{ $(foreach c,$(KSFT_COLLECTIONS),$(call ksft_make,$(c),,-s emit_tests) &&) true; } \
		>$(BUILD)/selftests/kselftest-list.txt

# Read once the selftests are built: a recipe is expanded when it runs.
ksft_vm_files = $(foreach t,$(file <$(BUILD)/selftests/kselftest-list.txt), \
	--file $(BUILD)/selftests/$(subst :,/,$(t)):kheap/selftests/$(subst :,/,$(t))) \
	$(foreach c,$(KSFT_COLLECTIONS),--file selftests/kheap/settings:kheap/selftests/$(c)/settings)

# Extracted again when setup.sh changes (its list of files, say).
$(BUILD)/tools/.extracted: scripts/setup.sh
	scripts/setup.sh $(BUILD)

# The examples once more, static, for the busybox guest.
VM_EXAMPLES := $(patsubst $(BUILD)/examples/%,$(BUILD)/vm/examples/%,$(EXAMPLES))

$(BUILD)/vm/examples/%: examples/%.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -static $(LIB_CFLAGS) -O2 $< $(LIB_A) -o $@ -lpthread

# ----------------------------------------------------------------- tools --

# kheapstat, the generic netlink client (libnl-genl-3): dynamic for the
# host, static for the busybox guest with the helpers of its check script.
# libnl-3.a references getaddrinfo()/getprotoby*(), never called by
# kheapstat: the static link warns about them, harmlessly.
NL_CFLAGS	:= $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS		:= $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
NL_STATIC_LIBS	:= $(shell pkg-config --static --libs libnl-genl-3.0 2>/dev/null)
TOOLS_CFLAGS	:= -O2 -g -Wall -Wextra -Iuapi
VM_TOOLS	:= $(addprefix $(BUILD)/vm/tools/,kheapstat kheap_hog runas json_get)

tools: $(BUILD)/tools-bin/kheapstat

$(BUILD)/tools-bin/kheapstat: tools/kheapstat.c $(wildcard uapi/linux/*.h)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(NL_CFLAGS) $< -o $@ $(LDFLAGS) $(NL_LIBS)

$(BUILD)/vm/tools/kheapstat: tools/kheapstat.c $(wildcard uapi/linux/*.h)
	@mkdir -p $(@D)
	$(CC) -static $(TOOLS_CFLAGS) $(NL_CFLAGS) $< -o $@ $(NL_STATIC_LIBS)

$(BUILD)/vm/tools/%: tools/tests/%.c $(wildcard uapi/linux/*.h)
	@mkdir -p $(@D)
	$(CC) -static $(TOOLS_CFLAGS) $< -o $@

# A chart of a real run: kheapstat --record in a guest while holders come
# and go and the soak runs, plotted on the host by tools/kheap-plot
# (gnuplot). Also checks kheapstat's message once the module is unloaded.
kheapstat-chart: vm-modules $(VM_TOOLS) $(BUILD)/stress/kheap_soak
	scripts/vm-run --kernel $(VM_KERNEL) --label kheapstat-chart \
		--out $(BUILD)/vm/kheapstat-chart \
		--payload tools/tests/kheapstat-record.sh \
		--file $(BUILD)/kmod/$(VM_KERNEL)/kheap.ko:kheap/kheap.ko \
		--file $(BUILD)/stress/kheap_soak:kheap/kheap_soak \
		$(foreach t,$(VM_TOOLS),--file $(t):kheap/tools/$(notdir $(t)))
	@mkdir -p $(BUILD)/kheapstat
	sed -n 's/^# csv: //p' $(BUILD)/vm/kheapstat-chart/tap.log | tr -d '\r' \
		>$(BUILD)/kheapstat/run.csv
	tools/kheap-plot -t "kheap pages per process ($(VM_KERNEL) guest)" \
		-o $(BUILD)/kheapstat/kheapstat-pages.png $(BUILD)/kheapstat/run.csv

# --------------------------------------------------------------- the lane --

setup:
	@scripts/setup.sh $(BUILD)

run: setup
	@$(MAKE) --no-print-directory all vm-modules $(VM_EXAMPLES)
	scripts/vm-run --kernel $(VM_KERNEL) --label run --payload scripts/vm/demo.sh \
		--file $(BUILD)/kmod/$(VM_KERNEL)/kheap.ko:kheap/kheap.ko \
		$(foreach e,$(VM_EXAMPLES),--file $(e):kheap/examples/$(notdir $(e)))

check: setup
	@BUILD=$(BUILD) VM_KERNELS="$(VM_KERNELS)" VM_SLUB_DEBUG_KERNEL=$(VM_SLUB_DEBUG_KERNEL) \
		VM_SUITES="$(VM_SUITES)" scripts/check.sh

# On demand only: the README's set-up commands from nothing, in a chroot
# (scripts/check-fresh.sh; an hour and more).
check-fresh:
	scripts/check-fresh.sh $(BUILD)

check-runner:
	scripts/vm/selfcheck.sh $(VM_KERNEL) $(BUILD)/selfcheck/$(VM_KERNEL)/warn_on_load.ko $(VM_IMAGE)

# The kernel fuzzer runs in every guest after the selftests, for
# KHEAP_FUZZ_SECONDS (20 unless VM_APPEND=KHEAP_FUZZ_SECONDS=N says more).
VM_TESTS = $(LIB_STATIC_TESTS) $(BUILD)/fuzz/kheap_fuzz

# Everything a guest of check-vm runs besides the module: the test lane's
# builds, also made up front by make check.
vm-tests: selftests $(VM_TESTS) $(VM_TOOLS) $(foreach f,$(LIB_VM_FILES),$(firstword $(subst :, ,$(f))))

check-vm: vm-tests
	scripts/vm-run --kernel $(VM_KERNEL) --label $(VM_LABEL) --append "$(VM_APPEND)" \
		$(if $(VM_VMLINUX),--vmlinux $(VM_VMLINUX)) $(if $(VM_IMAGE),--image $(VM_IMAGE)) \
		--timeout $(VM_TIMEOUT) --payload scripts/vm/suite.sh \
		--file $(BUILD)/kmod/$(VM_KERNEL)/kheap.ko:kheap/kheap.ko \
		$(ksft_vm_files) \
		$(foreach t,$(VM_TESTS),--file $(t):kheap/tests/$(notdir $(t))) \
		--file tools/tests/kheapstat-check.sh:kheap/tests/kheapstat-check.sh \
		$(foreach t,$(VM_TOOLS),--file $(t):kheap/tools/$(notdir $(t))) \
		$(foreach f,$(LIB_VM_FILES),--file $(f))

# checkpatch wants kernel sources, not userspace: the module and its ABI.
CHECKPATCH := perl $(BUILD)/tools/src/scripts/checkpatch.pl --strict --no-tree \
	--quiet --show-types
KERNEL_DOC = $(lastword $(sort $(wildcard /usr/src/linux-headers-*-common/scripts/kernel-doc)))

lint: $(BUILD)/tools/.extracted
	scripts/lint.sh "$(CHECKPATCH)" "$(KERNEL_DOC)" "$(VM_KERNELS)" \
		$(BUILD) $(MODULE_FILES)

# ------------------------------------------------------ the debug kernel --

# Debian's kernels have no KASAN, lockdep or kmemleak: build a small 6.1
# kernel with them from linux-source-6.1 (scripts/debug-kernel/build.sh;
# 10-13 minutes the first time on two cores, cached in
# $(BUILD)/debug-kernel) and run the VM suite on it.
DEBUG_KERNEL_TREE := $(BUILD)/debug-kernel/src

debug-kernel:
	scripts/debug-kernel/build.sh $(BUILD)

check-debug-kernel: debug-kernel
	r=$$(cat $(BUILD)/debug-kernel/release) && \
	$(call build_module,$(DEBUG_KERNEL_TREE),$$r) && \
	$(MAKE) --no-print-directory check-vm VM_KERNEL=$$r VM_LABEL=$$r \
		VM_VMLINUX=$(DEBUG_KERNEL_TREE)/vmlinux VM_TIMEOUT=2400

# ------------------------------------------------ kernels of later suites --

# Debian's kernels newer than bookworm's (sid's, SUITE=trixie-backports')
# are built by a newer gcc, which their modules need too: the module is
# built, with sparse and W=1 first, in a chroot of that suite with its gcc
# and headers (scripts/suite-kernel: made and cached in
# $(BUILD)/chroot/$(SUITE), the release is the suite's newest), and the VM
# suite boots that suite's kernel image with the host's test programs.
SUITE		?= sid
suite_kernel = scripts/suite-kernel $(BUILD) $(SUITE)

check-suite-kernel: vm-tests
	r=$$($(suite_kernel)) && \
	{ $(suite_kernel) -- scripts/lint.sh --builds $$r $(BUILD) $(MODULE_FILES); \
	$(suite_kernel) -- $(call build_module,/lib/modules/$$r/build,$$r) && \
	$(suite_kernel) -- scripts/kbuild.sh /lib/modules/$$r/build $(BUILD)/selfcheck/$$r \
		scripts/vm/selfcheck Kbuild warn_on_load.c && \
	$(MAKE) --no-print-directory check-vm VM_KERNEL=$$r \
		VM_IMAGE=$(BUILD)/chroot/$(SUITE)/boot/vmlinuz-$$r; }

# ---------------------------------------------------------------- fuzzing --

# The harness compiles the library's sources itself: libFuzzer's coverage
# and the sanitizers must see inside the allocator, not just call it.
FUZZ_SECONDS	?= 60
FUZZ_CFLAGS	:= -g -O1 -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=undefined -D_GNU_SOURCE -DKHEAP_DEBUG=2 \
		   -Ilibclient/include -Ilibclient/src -Iuapi

$(BUILD)/fuzz/fuzz_heap: fuzz/fuzz_heap.c $(KH_SRCS) $(KH_DEPS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $< $(KH_SRCS) -o $@ -pthread

fuzz: $(BUILD)/fuzz/fuzz_heap
	fuzz/run.sh $< $(FUZZ_SECONDS) $(BUILD)/fuzz/corpus fuzz/corpus

$(BUILD)/fuzz/kheap_fuzz: fuzz/kheap_fuzz.c uapi/linux/kheap.h
	@mkdir -p $(@D)
	$(CC) -static -O2 -g -Wall -Wextra -Iuapi $< -o $@

# ------------------------------------------------------------------ soak --

SOAK_SECONDS	?= 20

$(BUILD)/stress/kheap_soak: stress/kheap_soak.c $(LIB_A) $(LIB_HEADERS)
	@mkdir -p $(@D)
	$(CC) -static -O2 -g -Wall -Wextra -pthread $(LIB_CFLAGS) $< $(LIB_A) -o $@

soak: $(BUILD)/stress/kheap_soak
	scripts/vm-run --kernel $(VM_KERNEL) --label soak-$(VM_KERNEL) \
		--append "KHEAP_SOAK_SECONDS=$(SOAK_SECONDS) $(VM_APPEND)" \
		--timeout $$(($(SOAK_SECONDS) + 300)) --payload stress/vm-soak.sh \
		--file $(BUILD)/kmod/$(VM_KERNEL)/kheap.ko:kheap/kheap.ko \
		--file $<:kheap/kheap_soak

# ------------------------------------------------------------ benchmarks --

$(BUILD)/bench/malloc_bench: bench/malloc_bench.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -Wall -Wextra -pthread $< -o $@

$(BUILD)/bench/kheap_bench: bench/kheap_bench.c uapi/linux/kheap.h
	@mkdir -p $(@D)
	$(CC) -static -O2 -Wall -Wextra -Iuapi $< -o $@

bench-kernel: vm-modules $(BUILD)/bench/kheap_bench
	scripts/vm-run --kernel $(VM_KERNEL) --label bench-$(VM_KERNEL) \
		--payload bench/vm-bench.sh \
		--file $(BUILD)/kmod/$(VM_KERNEL)/kheap.ko:kheap/kheap.ko \
		--file $(BUILD)/bench/kheap_bench:kheap/bench/kheap_bench

bench-malloc: $(BUILD)/bench/malloc_bench $(LIB_PRELOAD)
	@scripts/setup.sh --bench $(BUILD)
	bench/malloc-bench.sh $(BUILD)/bench/malloc_bench $(LIB_PRELOAD)

# The workload set: every allocator runs the same binary, so the compiler
# must not drop or merge its malloc and free calls (-fno-builtin-*).
BENCH_ROUNDS	?= 5

$(BUILD)/bench/workloads: bench/workloads.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -Wall -Wextra -pthread -fno-builtin-malloc -fno-builtin-calloc \
		-fno-builtin-realloc -fno-builtin-free $< -o $@

bench: $(BUILD)/bench/workloads $(LIB_PRELOAD)
	@scripts/setup.sh --bench $(BUILD)
	bench/workloads.sh $(BUILD)/bench/workloads $(LIB_PRELOAD) $(BENCH_ROUNDS)

# Which misuse each allocator catches: the plain misuse programs under
# glibc, kheap and the peers (a report, not a test; last output kept).
misuse-report: misuse-plain
	@scripts/setup.sh --bench $(BUILD)
	bench/misuse-report.sh $(BUILD)/libclient/tests/misuse-plain $(LIB_PRELOAD) \
		bench/misuse-last.txt

# --------------------------------------------------------------- install --

# The module installs as kbuild installs modules: modules_install from the
# folder it was built in, into extra/, compressed when the kernel says so
# (Debian's 6.12: extra/kheap.ko.xz) and signed when kbuild finds a key
# (Debian's headers have none: sign-file complains and kbuild goes on, as
# for every external module; the module stays unsigned). kbuild runs
# depmod only when System.map lies beside the headers, which it never does
# in Debian's headers packages (it is in /boot), so depmod runs here in any
# case: with -b for a staging DESTDIR (where it warns that modules.order
# and modules.builtin, the kernel package's files, are missing), without
# System.map, which depmod needs only to check symbols (-e), not to index
# modules. kbuild's make runs in KDIR: the root must be an absolute path.
KMOD_ROOT = $(abspath $(DESTDIR))

# Every page of man/, into the section its suffix names.
MAN_PAGES := $(wildcard man/*.[1-8])

# The module for KDIR, and the rest, which builds and installs without
# any kernel headers (the Debian packages' build: dkms builds the module
# where the package is installed).
install: install-module install-user

install-module: module
	$(MAKE) -C $(KDIR) M=$(abspath $(BUILD)/kmod/$(KVER)) \
		INSTALL_MOD_PATH=$(KMOD_ROOT) INSTALL_MOD_DIR=extra modules_install
	depmod $(if $(KMOD_ROOT),-b $(KMOD_ROOT)) $(KVER)

install-user: lib tools
	install -D -m 0644 udev/60-kheap.rules $(DESTDIR)/lib/udev/rules.d/60-kheap.rules
	install -D -m 0644 uapi/linux/kheap.h $(DESTDIR)$(INCLUDEDIR)/linux/kheap.h
	install -D -m 0644 uapi/linux/kheap_netlink.h $(DESTDIR)$(INCLUDEDIR)/linux/kheap_netlink.h
	install -D -m 0755 $(BUILD)/tools-bin/kheapstat $(DESTDIR)$(PREFIX)/bin/kheapstat
	install -D -m 0755 tools/kheap-plot $(DESTDIR)$(PREFIX)/bin/kheap-plot
	$(foreach m,$(MAN_PAGES),install -D -m 0644 $(m) \
		$(DESTDIR)$(PREFIX)/share/man/man$(subst .,,$(suffix $(m)))/$(notdir $(m)) &&) true
	$(foreach h,$(LIB_HEADERS),install -D -m 0644 $(h) $(DESTDIR)$(INCLUDEDIR)/$(notdir $(h)) &&) true
	install -D -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO))
	ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libkheapclient.so
	install -D -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libkheapclient.a
	install -D -m 0755 $(LIB_PRELOAD) $(DESTDIR)$(PRELOADDIR)/$(notdir $(LIB_PRELOAD))
	@mkdir -p $(DESTDIR)$(LIBDIR)/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(KHEAP_VERSION)|' \
	    libclient/kheapclient.pc.in \
		>$(DESTDIR)$(LIBDIR)/pkgconfig/kheapclient.pc

# What dkms builds from (the files of MODULE_FILES, and dkms.conf with its
# version, as dh_dkms -V writes it): the kheap-dkms package's content.
DKMS_SRC = $(DESTDIR)/usr/src/kheap-$(KHEAP_VERSION)

install-dkms:
	$(foreach f,Kbuild $(wildcard module/*.[ch] uapi/linux/*.h),\
		install -D -m 0644 $(f) $(DKMS_SRC)/$(f) &&) true
	sed 's/#MODULE_VERSION#/$(KHEAP_VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf

clean:
	rm -rf $(BUILD)
