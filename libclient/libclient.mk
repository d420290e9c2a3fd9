# SPDX-License-Identifier: MIT
#
# libclient.mk - libkheapclient, its malloc replacement, examples and tests.
# Included by the top-level Makefile; uses only BUILD and CC from it.
#
#   lib          shared + static library and the LD_PRELOAD malloc (LIB_*)
#   examples     $(EXAMPLES)
#   check-lib    host test suite, plain and with ASan+UBSan, TAP on stdout
#   clean-lib    remove what this file builds
#
# KHEAP_DEBUG=0|1|2 (default 1) grades the library's internal asserts.

KH_DIR		:= $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
KH_OUT		:= $(BUILD)/libclient
KHEAP_DEBUG	?= 1

LIB_SO		:= $(BUILD)/lib/libkheapclient.so.1.0.0
LIB_A		:= $(BUILD)/lib/libkheapclient.a
LIB_PRELOAD	:= $(BUILD)/lib/libkheapmalloc.so
LIB_CFLAGS	:= -I$(KH_DIR)/include
LIB_HEADERS	:= $(KH_DIR)/include/kheap.h $(KH_DIR)/include/kheap_compat.h

KH_CFLAGS	:= -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
KH_SANITIZE	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
KH_LIB_CFLAGS	:= $(KH_CFLAGS) -fvisibility=hidden -fPIC -pthread \
		   -DKHEAP_DEBUG=$(KHEAP_DEBUG) -I$(KH_DIR)/include -I$(KH_DIR)/src \
		   -I$(KH_DIR)/../uapi
KH_TEST_CFLAGS	:= $(KH_CFLAGS) -pthread $(LIB_CFLAGS) -I$(KH_DIR)/tests

KH_DEPS		:= $(wildcard $(KH_DIR)/src/*.h) $(LIB_HEADERS) \
		   $(KH_DIR)/../uapi/linux/kheap.h $(KH_DIR)/libclient.mk
KH_SRCS		:= $(filter-out %/preload.c,$(wildcard $(KH_DIR)/src/*.c))
KH_OBJS		:= $(patsubst $(KH_DIR)/src/%.c,$(KH_OUT)/obj/%.o,$(KH_SRCS))
KH_ASAN_OBJS	:= $(patsubst $(KH_DIR)/src/%.c,$(KH_OUT)/obj-asan/%.o,$(KH_SRCS))

.PHONY: lib examples check-lib clean-lib

# Objects are wanted as such, not as intermediates make may delete.
.SECONDARY: $(KH_OBJS) $(KH_ASAN_OBJS) $(KH_OUT)/obj/preload.o

lib: $(LIB_SO) $(LIB_A) $(LIB_PRELOAD) $(BUILD)/lib/libkheapclient.so

$(KH_OUT)/obj/%.o: $(KH_DIR)/src/%.c $(KH_DEPS)
	@mkdir -p $(@D)
	$(CC) $(KH_LIB_CFLAGS) -c $< -o $@

$(KH_OUT)/obj-asan/%.o: $(KH_DIR)/src/%.c $(KH_DEPS)
	@mkdir -p $(@D)
	$(CC) $(KH_LIB_CFLAGS) $(KH_SANITIZE) -c $< -o $@

$(LIB_SO): $(KH_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libkheapclient.so.1 -Wl,-z,defs $^ -o $@ -pthread

$(BUILD)/lib/libkheapclient.so: $(LIB_SO)
	ln -sf $(notdir $(LIB_SO)) $(@D)/libkheapclient.so.1
	ln -sf libkheapclient.so.1 $@

$(LIB_A): $(KH_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# The malloc replacement carries its own copy of the allocator, so that a
# preloaded program needs nothing else.
$(LIB_PRELOAD): $(KH_OUT)/obj/preload.o $(KH_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-z,defs $^ -o $@ -pthread

# ---- examples --------------------------------------------------------------

EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))

examples: $(EXAMPLES)

$(BUILD)/examples/%: examples/%.c $(LIB_HEADERS) $(BUILD)/lib/libkheapclient.so
	@mkdir -p $(@D)
	$(CC) $(KH_CFLAGS) $(LIB_CFLAGS) $< -o $@ -L$(BUILD)/lib -lkheapclient \
		-Wl,-rpath,'$$ORIGIN/../lib'

# ---- tests -------------------------------------------------------------------
# Each tests/test_*.c is a TAP program; tests/misuse/*.c are one misuse each,
# run by test_misuse, which checks the signal and the exact stderr line.

KH_TESTS	:= $(patsubst $(KH_DIR)/tests/%.c,%,$(wildcard $(KH_DIR)/tests/test_*.c))
KH_MISUSE	:= $(patsubst $(KH_DIR)/tests/%.c,%,$(wildcard $(KH_DIR)/tests/misuse/*.c))
KH_TEST_DEPS	:= $(LIB_HEADERS) $(wildcard $(KH_DIR)/tests/*.h)

KH_PLAIN_BINS	:= $(patsubst %,$(KH_OUT)/tests/plain/%,$(KH_TESTS) $(KH_MISUSE))
KH_ASAN_BINS	:= $(patsubst %,$(KH_OUT)/tests/asan/%,$(KH_TESTS) $(KH_MISUSE))

$(KH_OUT)/tests/plain/%: $(KH_DIR)/tests/%.c $(KH_TEST_DEPS) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(KH_TEST_CFLAGS) $< -o $@ $(LIB_A)

$(KH_OUT)/tests/asan/%: $(KH_DIR)/tests/%.c $(KH_TEST_DEPS) $(KH_ASAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(KH_TEST_CFLAGS) $(KH_SANITIZE) $< -o $@ $(KH_ASAN_OBJS)

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

# The preload library in the guest: a dynamically linked program and
# Debian's sort, with the loader and libc they need (SRC:DST for vm-run).
$(KH_OUT)/vm/preload_fork: $(KH_DIR)/tests/preload_fork.c
	@mkdir -p $(@D)
	$(CC) $(KH_CFLAGS) $< -o $@

LIB_VM_FILES := $(LIB_PRELOAD):kheap/lib/libkheapmalloc.so \
	$(KH_OUT)/vm/preload_fork:kheap/bin/preload_fork \
	/usr/bin/sort:kheap/bin/sort \
	$(KH_DIR)/tests/preload-vm.sh:kheap/tests/preload-vm.sh \
	$(foreach lib,$(shell ldd /usr/bin/sort | grep -o '/[^ ]*'),$(lib):$(lib))

check-lib: $(KH_PLAIN_BINS) $(KH_ASAN_BINS) $(KH_EXAMPLE_BINS) $(LIB_PRELOAD)
	@KHEAP_BACKEND=anon $(KH_DIR)/tests/run-suite.sh $(KH_OUT)/tests \
		$(LIB_PRELOAD) "$(CC)"

clean-lib:
	rm -rf $(KH_OUT) $(BUILD)/lib/libkheap* $(EXAMPLES)
