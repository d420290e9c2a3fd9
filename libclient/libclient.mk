# SPDX-License-Identifier: MIT
#
# libclient.mk - libkheapclient, its malloc replacement, examples and tests.
# Included by the top-level Makefile; uses only BUILD, CC and KHEAP_VERSION
# (the release: the .so's file name, its soname from the first number) from it.
#
#   lib          shared + static library and the LD_PRELOAD malloc (LIB_*)
#   examples     $(EXAMPLES)
#   profile-demo the examples instrumented, run with every built-in
#                profiler; logs, histograms and reports in $(BUILD)/profile-demo
#   check-lib    host test suite: plain, ASan+UBSan, and the threaded tests
#                under TSan; TAP on stdout
#   clean-lib    remove what this file builds
#
# KHEAP_DEBUG=0|1|2 (default 1) grades the library's internal asserts.
# INSTRUMENT=1 builds the examples with -DKHEAP_INSTRUMENT: every allocation
# call records its file, line and function for reports and profilers.

KH_DIR		:= $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
KH_OUT		:= $(BUILD)/libclient
KHEAP_DEBUG	?= 1
INSTRUMENT	?= 0

ifeq ($(KHEAP_VERSION),)
$(error KHEAP_VERSION is not set: libclient.mk is included by the top-level Makefile)
endif
LIB_SONAME	:= libkheapclient.so.$(firstword $(subst ., ,$(KHEAP_VERSION)))
LIB_SO		:= $(BUILD)/lib/libkheapclient.so.$(KHEAP_VERSION)
LIB_A		:= $(BUILD)/lib/libkheapclient.a
LIB_PRELOAD	:= $(BUILD)/lib/libkheapmalloc.so
LIB_CFLAGS	:= -I$(KH_DIR)/include
LIB_HEADERS	:= $(wildcard $(KH_DIR)/include/*.h $(KH_DIR)/include/*.hpp)

KH_CFLAGS	:= -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
KH_SANITIZE	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
KH_TSAN		:= -fsanitize=thread -fno-omit-frame-pointer
KH_LIB_CFLAGS	:= $(KH_CFLAGS) -fvisibility=hidden -fPIC -pthread \
		   -DKHEAP_DEBUG=$(KHEAP_DEBUG) -I$(KH_DIR)/include -I$(KH_DIR)/src \
		   -I$(KH_DIR)/../uapi
KH_TEST_CFLAGS	:= $(KH_CFLAGS) -pthread $(LIB_CFLAGS) -I$(KH_DIR)/tests

KH_DEPS		:= $(wildcard $(KH_DIR)/src/*.h) $(LIB_HEADERS) \
		   $(KH_DIR)/../uapi/linux/kheap.h $(KH_DIR)/libclient.mk
KH_SRCS		:= $(filter-out %/preload.c,$(wildcard $(KH_DIR)/src/*.c))
KH_OBJS		:= $(patsubst $(KH_DIR)/src/%.c,$(KH_OUT)/obj/%.o,$(KH_SRCS))
KH_ASAN_OBJS	:= $(patsubst $(KH_DIR)/src/%.c,$(KH_OUT)/obj-asan/%.o,$(KH_SRCS))
KH_TSAN_OBJS	:= $(patsubst $(KH_DIR)/src/%.c,$(KH_OUT)/obj-tsan/%.o,$(KH_SRCS))

.PHONY: lib examples profile-demo check-lib clean-lib kh-always misuse-plain

# Objects are wanted as such, not as intermediates make may delete.
.SECONDARY: $(KH_OBJS) $(KH_ASAN_OBJS) $(KH_TSAN_OBJS) $(KH_OUT)/obj/preload.o

lib: $(LIB_SO) $(LIB_A) $(LIB_PRELOAD) $(BUILD)/lib/libkheapclient.so

# The product's objects also take the caller's CPPFLAGS, CFLAGS and (at the
# link) LDFLAGS, as a distribution's build sets them (Debian's hardening).
$(KH_OUT)/obj/%.o: $(KH_DIR)/src/%.c $(KH_DEPS)
	@mkdir -p $(@D)
	$(CC) $(KH_LIB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(KH_OUT)/obj-asan/%.o: $(KH_DIR)/src/%.c $(KH_DEPS)
	@mkdir -p $(@D)
	$(CC) $(KH_LIB_CFLAGS) $(KH_SANITIZE) -c $< -o $@

$(KH_OUT)/obj-tsan/%.o: $(KH_DIR)/src/%.c $(KH_DEPS)
	@mkdir -p $(@D)
	$(CC) $(KH_LIB_CFLAGS) $(KH_TSAN) -c $< -o $@

# A version script each decides what the shared objects export (the
# sources' visibility attributes alone would let a slip through).
$(LIB_SO): $(KH_OBJS) $(KH_DIR)/libkheapclient.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) -Wl,-z,defs $(LDFLAGS) \
		-Wl,--version-script=$(KH_DIR)/libkheapclient.map $(KH_OBJS) -o $@ -pthread

$(BUILD)/lib/libkheapclient.so: $(LIB_SO)
	ln -sf $(notdir $(LIB_SO)) $(@D)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@

$(LIB_A): $(KH_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# The malloc replacement carries its own copy of the allocator, so that a
# preloaded program needs nothing else.
$(LIB_PRELOAD): $(KH_OUT)/obj/preload.o $(KH_OBJS) $(KH_DIR)/libkheapmalloc.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-z,defs $(LDFLAGS) -Wl,--version-script=$(KH_DIR)/libkheapmalloc.map \
		$(filter %.o,$^) -o $@ -pthread

# ---- examples --------------------------------------------------------------

EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
KH_EXAMPLE_CFLAGS := $(if $(filter 1,$(INSTRUMENT)),-DKHEAP_INSTRUMENT)

examples: $(EXAMPLES)

# Rewritten only when INSTRUMENT changes, so that the examples follow it.
$(KH_OUT)/example-cflags: kh-always
	@mkdir -p $(@D)
	@echo '$(KH_EXAMPLE_CFLAGS)' | cmp -s - $@ 2>/dev/null || \
		echo '$(KH_EXAMPLE_CFLAGS)' >$@

$(BUILD)/examples/%: examples/%.c $(LIB_HEADERS) $(BUILD)/lib/libkheapclient.so \
		$(KH_OUT)/example-cflags
	@mkdir -p $(@D)
	$(CC) $(KH_CFLAGS) $(KH_EXAMPLE_CFLAGS) $(LIB_CFLAGS) $< -o $@ \
		-L$(BUILD)/lib -lkheapclient -Wl,-rpath,'$$ORIGIN/../lib'

# The original workflow: the examples with instrumentation and logging.
# Each runs with every built-in profiler (KHEAP_PROFILE, KHEAP_LOG); its
# output, log, histogram CSV (and chart, with gnuplot) stay in KH_DEMO.
KH_DEMO		:= $(BUILD)/profile-demo
KH_DEMO_BINS	:= $(patsubst examples/%.c,$(KH_DEMO)/%,$(wildcard examples/*.c))

$(KH_DEMO)/%: examples/%.c $(LIB_HEADERS) $(BUILD)/lib/libkheapclient.so
	@mkdir -p $(@D)
	$(CC) $(KH_CFLAGS) -DKHEAP_INSTRUMENT $(LIB_CFLAGS) $< -o $@ \
		-L$(BUILD)/lib -lkheapclient -Wl,-rpath,'$$ORIGIN/../lib'

profile-demo: $(KH_DEMO_BINS)
	@examples/profile-demo.sh $(KH_DEMO_BINS)

# ---- tests -------------------------------------------------------------------
# Each tests/test_*.c is a TAP program; tests/misuse/*.c and *.cc (C++,
# with kheapclient_new.hpp) are one misuse each, run by test_misuse, which
# checks the signal and the exact stderr line.

KH_TESTS	:= $(patsubst $(KH_DIR)/tests/%.c,%,$(wildcard $(KH_DIR)/tests/test_*.c))
KH_MISUSE	:= $(patsubst $(KH_DIR)/tests/%.c,%,$(wildcard $(KH_DIR)/tests/misuse/*.c)) \
		   $(patsubst $(KH_DIR)/tests/%.cc,%,$(wildcard $(KH_DIR)/tests/misuse/*.cc))
KH_TEST_CXXFLAGS := -std=gnu++17 -O2 -g -Wall -Wextra -Werror -pthread $(LIB_CFLAGS) \
		   -I$(KH_DIR)/tests
KH_TEST_DEPS	:= $(LIB_HEADERS) $(wildcard $(KH_DIR)/tests/*.h)

KH_PLAIN_BINS	:= $(patsubst %,$(KH_OUT)/tests/plain/%,$(KH_TESTS) $(KH_MISUSE))
KH_ASAN_BINS	:= $(patsubst %,$(KH_OUT)/tests/asan/%,$(KH_TESTS) $(KH_MISUSE))

$(KH_OUT)/tests/plain/%: $(KH_DIR)/tests/%.c $(KH_TEST_DEPS) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(KH_TEST_CFLAGS) $< -o $@ $(LIB_A)

$(KH_OUT)/tests/asan/%: $(KH_DIR)/tests/%.c $(KH_TEST_DEPS) $(KH_ASAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(KH_TEST_CFLAGS) $(KH_SANITIZE) $< -o $@ $(KH_ASAN_OBJS)

$(KH_OUT)/tests/plain/%: $(KH_DIR)/tests/%.cc $(KH_TEST_DEPS) $(LIB_A)
	@mkdir -p $(@D)
	$(CXX) $(KH_TEST_CXXFLAGS) $< -o $@ $(LIB_A)

$(KH_OUT)/tests/asan/%: $(KH_DIR)/tests/%.cc $(KH_TEST_DEPS) $(KH_ASAN_OBJS)
	@mkdir -p $(@D)
	$(CXX) $(KH_TEST_CXXFLAGS) $(KH_SANITIZE) $< -o $@ $(KH_ASAN_OBJS)

# tests/misuse/plain/*.c: the same kind of program in plain C, on malloc
# and free without kheap's header or library, run under LD_PRELOAD as an
# unmodified program would be (here, in the guest, and under other
# allocators by bench/misuse-report.sh). They use memory after free on
# purpose, which gcc would warn of once it knows free().
KH_MISUSE_PLAIN	:= $(patsubst $(KH_DIR)/tests/misuse/plain/%.c,$(KH_OUT)/tests/misuse-plain/%,\
	$(wildcard $(KH_DIR)/tests/misuse/plain/*.c))

$(KH_OUT)/tests/misuse-plain/%: $(KH_DIR)/tests/misuse/plain/%.c $(wildcard $(KH_DIR)/tests/misuse/plain/*.h) \
		$(KH_DIR)/tests/misuse.h
	@mkdir -p $(@D)
	$(CC) $(KH_CFLAGS) -Wno-use-after-free -DMISUSE_PLAIN -I$(KH_DIR)/tests $< -o $@

misuse-plain: $(KH_MISUSE_PLAIN) $(KH_OUT)/tests/plain/test_misuse $(LIB_PRELOAD)

# The threaded tests once more under ThreadSanitizer (which cannot be
# combined with ASan: a third build of library and tests).
KH_TSAN_TESTS	:= test_threads test_stress test_profile test_slab_races
KH_TSAN_BINS	:= $(patsubst %,$(KH_OUT)/tests/tsan/%,$(KH_TSAN_TESTS))

$(KH_OUT)/tests/tsan/%: $(KH_DIR)/tests/%.c $(KH_TEST_DEPS) $(KH_TSAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(KH_TEST_CFLAGS) $(KH_TSAN) -DROUNDS=20000 $< -o $@ $(KH_TSAN_OBJS)

# The examples once more, instrumented as the original's test script did:
# the suite runs them as smoke tests.
KH_EXAMPLE_BINS	:= $(patsubst examples/%.c,$(KH_OUT)/tests/examples/%,$(wildcard examples/*.c))

$(KH_OUT)/tests/examples/%: examples/%.c $(KH_TEST_DEPS) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(KH_TEST_CFLAGS) -DKHEAP_INSTRUMENT $< -o $@ $(LIB_A)

# Static builds of the suite for the guest, where they use /dev/kheap.
LIB_STATIC_TESTS := $(patsubst test_%,$(KH_OUT)/vm/libkheap-%,\
	$(filter-out test_misuse,$(KH_TESTS)))

$(KH_OUT)/vm/libkheap-%: $(KH_DIR)/tests/test_%.c $(KH_TEST_DEPS) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -static $(KH_TEST_CFLAGS) $< -o $@ $(LIB_A)

# The preload library in the guest: a dynamically linked program, the
# plain misuse programs and their runner, and Debian's sort, with the
# loader and libc they need (SRC:DST for vm-run).
$(KH_OUT)/vm/preload_fork: $(KH_DIR)/tests/preload_fork.c
	@mkdir -p $(@D)
	$(CC) $(KH_CFLAGS) $< -o $@

$(KH_OUT)/vm/test_misuse: $(KH_DIR)/tests/test_misuse.c
	@mkdir -p $(@D)
	$(CC) -static $(KH_CFLAGS) $< -o $@

LIB_VM_FILES := $(LIB_PRELOAD):kheap/lib/libkheapmalloc.so \
	$(KH_OUT)/vm/preload_fork:kheap/bin/preload_fork \
	$(KH_OUT)/vm/test_misuse:kheap/bin/test_misuse \
	$(foreach p,$(KH_MISUSE_PLAIN),$(p):kheap/misuse/$(notdir $(p))) \
	/usr/bin/sort:kheap/bin/sort \
	$(KH_DIR)/tests/preload-vm.sh:kheap/tests/preload-vm.sh \
	$(foreach lib,$(shell ldd /usr/bin/sort | grep -o '/[^ ]*'),$(lib):$(lib))

check-lib: $(KH_PLAIN_BINS) $(KH_ASAN_BINS) $(KH_TSAN_BINS) $(KH_EXAMPLE_BINS) \
		$(KH_MISUSE_PLAIN) $(LIB_PRELOAD)
	@KHEAP_BACKEND=anon $(KH_DIR)/tests/run-suite.sh $(KH_OUT)/tests \
		$(LIB_PRELOAD) "$(CC)" "$(CXX)"

clean-lib:
	rm -rf $(KH_OUT) $(BUILD)/lib/libkheap* $(EXAMPLES) $(KH_DEMO)
