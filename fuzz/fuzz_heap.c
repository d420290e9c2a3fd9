// SPDX-License-Identifier: MIT
/*
 * fuzz_heap: libFuzzer harness for libkheapclient.
 *
 * The input is a program: each op byte picks an operation on a table of
 * slots (allocate, zeroed allocate, aligned allocate, resize, free, checked
 * access through a reference, container operations), and the bytes after it
 * are its arguments. A reference model rides along: every slot knows its
 * size and the pattern it was filled with, and every byte is compared
 * before the block is resized or freed and at the end of the input, so any
 * corruption of one block by the allocator's handling of another is found.
 *
 * Misuse is injected on purpose (double free, interior free, a write past
 * the end, access through a stale reference, out-of-bounds access) with the
 * library set to report and return rather than abort: each must be
 * detected as the kind the model expects, and none may crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kheapclient.h"

enum { SLOTS = 64, FREED = 16 };

struct slot {
	unsigned char *ptr;	/* NULL when empty */
	size_t size;
	uint8_t seed;
	kheap_ref ref;		/* taken when the block got its current size */
};

static struct slot slots[SLOTS];
/* Addresses freed by this input and not handed out again: double frees. */
static void *freed[FREED];
static kheap_ref freed_refs[FREED];
static unsigned freed_next;

static struct kheap_vec vec;
static uint32_t *vec_model;
static size_t vec_model_len;
static struct kheap_buf buf;
static char buf_model[4096];
static size_t buf_model_len;

static unsigned reports;
static enum kheap_error last_report;

static void count_report(const struct kheap_error_report *report, void *arg)
{
	(void)arg;
	reports++;
	last_report = report->kind;
}

/* ------------------------------------------------------ reading input -- */

struct input {
	const uint8_t *data;
	size_t left;
};

static unsigned read_u8(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->data++;
}

static size_t read_u16(struct input *in)
{
	return read_u8(in) | (size_t)read_u8(in) << 8;
}

/* Sizes across all three tiers, weighted towards the small ones. */
static size_t read_size(struct input *in)
{
	unsigned tier = read_u8(in);
	size_t raw = read_u16(in);

	if (tier < 160)
		return raw % 513;
	if (tier < 240)
		return raw * 2 % 65537;
	return raw * 8 + 65536;
}

/* ------------------------------------------------------------- model -- */

static uint8_t pattern(uint8_t seed, size_t i)
{
	return (uint8_t)(seed + i * 31);
}

static void fill(struct slot *s, size_t from)
{
	for (size_t i = from; i < s->size; i++)
		s->ptr[i] = pattern(s->seed, i);
}

static void verify(const struct slot *s, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (s->ptr[i] != pattern(s->seed, i)) {
			fprintf(stderr, "fuzz_heap: byte %zu of %p (size %zu) is %#x, wanted %#x\n",
				i, (void *)s->ptr, s->size, s->ptr[i], pattern(s->seed, i));
			abort();
		}
}

static void expect(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_heap: %s (reports %u, last kind %d)\n", what,
			reports, last_report);
		abort();
	}
}

static void expect_report(unsigned before, enum kheap_error kind, enum kheap_error alt)
{
	expect(reports == before + 1, "misuse was not reported exactly once");
	expect(last_report == kind || last_report == alt, "misuse reported as the wrong kind");
}

static void forget_freed(const void *ptr)
{
	for (unsigned i = 0; i < FREED; i++)
		if (freed[i] == ptr)
			freed[i] = NULL;
}

static void remember_freed(void *ptr, kheap_ref ref)
{
	freed[freed_next % FREED] = ptr;
	freed_refs[freed_next % FREED] = ref;
	freed_next++;
}

static void place(struct slot *s, void *ptr, size_t size, uint8_t seed)
{
	s->ptr = ptr;
	s->size = size;
	s->seed = seed;
	s->ref = kheap_ref_of(ptr);
	forget_freed(ptr);
	expect(((uintptr_t)ptr & (_Alignof(max_align_t) - 1)) == 0, "misaligned block");
}

static void release(struct slot *s)
{
	verify(s, s->size);
	expect(kheap_free(s->ptr) == 0, "free of a live block failed");
	remember_freed(s->ptr, s->ref);
	s->ptr = NULL;
}

/* -------------------------------------------------------- operations -- */

static void op_allocate(struct slot *s, struct input *in, unsigned how)
{
	size_t size = read_size(in);
	uint8_t seed = read_u8(in);
	unsigned char *p;

	if (s->ptr)
		release(s);
	if (how == 0) {
		p = kheap_malloc(size);
	} else if (how == 1) {
		p = kheap_calloc(1, size);
		for (size_t i = 0; p && i < size; i++)
			expect(p[i] == 0, "calloc memory not zeroed");
	} else {
		size_t alignment = (size_t)1 << (4 + read_u8(in) % 9);

		p = kheap_aligned_alloc(alignment, size);
		expect(!p || ((uintptr_t)p & (alignment - 1)) == 0, "aligned_alloc misaligned");
	}
	expect(p != NULL, "allocation failed");
	place(s, p, size, seed);
	fill(s, 0);
}

static void op_resize(struct slot *s, struct input *in)
{
	size_t size = read_size(in);
	unsigned char *p;

	if (!s->ptr)
		return;
	verify(s, s->size);
	p = kheap_realloc(s->ptr, size);
	expect(p != NULL, "resize failed");
	if (p != s->ptr)
		remember_freed(s->ptr, s->ref);
	size_t kept = size < s->size ? size : s->size;
	place(s, p, size, s->seed);
	verify(s, kept);
	fill(s, kept);
}

static void op_access(struct slot *s, struct input *in)
{
	size_t offset = read_u16(in), length = read_u8(in);
	unsigned before = reports;
	unsigned char *p;

	if (!s->ptr)
		return;
	p = kheap_ref_at(s->ref, offset, length);
	if (offset <= s->size && length <= s->size - offset) {
		expect(p == s->ptr + offset && reports == before, "in-bounds access refused");
	} else {
		expect(p == NULL, "out-of-bounds access allowed");
		expect_report(before, KHEAP_ERR_OUT_OF_BOUNDS, KHEAP_ERR_OUT_OF_BOUNDS);
	}
}

static void op_double_free(struct input *in)
{
	void *ptr = freed[read_u8(in) % FREED];
	unsigned before = reports;

	if (!ptr)
		return;
	/* The library may have given the region back: then it is a stranger. */
	expect(kheap_free(ptr) == -1 && errno == EINVAL, "double free not refused");
	expect_report(before, KHEAP_ERR_DOUBLE_FREE, KHEAP_ERR_INVALID_FREE);
}

static void op_stale_reference(struct input *in)
{
	unsigned i = read_u8(in) % FREED;
	unsigned before = reports;

	if (!freed[i])
		return;
	expect(kheap_ref_at(freed_refs[i], 0, 1) == NULL, "stale reference dereferenced");
	expect_report(before, KHEAP_ERR_USE_AFTER_FREE, KHEAP_ERR_STALE_REFERENCE);
}

static void op_interior_free(struct slot *s, struct input *in)
{
	unsigned before = reports;

	if (!s->ptr || s->size < 2)
		return;
	size_t offset = 1 + read_u16(in) % (s->size - 1);

	expect(kheap_free(s->ptr + offset) == -1, "interior free not refused");
	expect_report(before, KHEAP_ERR_INVALID_FREE, KHEAP_ERR_INVALID_FREE);
}

static void op_overflow(struct slot *s)
{
	unsigned before = reports;

	if (!s->ptr)
		return;
	s->ptr[s->size] ^= 0xff;
	expect(kheap_check(s->ptr) == -1, "overflow not detected");
	expect_report(before, KHEAP_ERR_HEAP_OVERFLOW, KHEAP_ERR_HEAP_OVERFLOW);
	s->ptr[s->size] ^= 0xff;
	expect(kheap_check(s->ptr) == 0, "repaired canary still reported");
}

static void op_vec(struct input *in)
{
	unsigned what = read_u8(in) % 4;
	uint32_t value = (uint32_t)read_u16(in);

	if (what == 0 && vec_model_len < 4096) {
		expect(kheap_vec_push(&vec, &value) == 0, "vec push failed");
		vec_model[vec_model_len++] = value;
	} else if (what == 1) {
		uint32_t out;
		int rc = kheap_vec_pop(&vec, &out);

		if (vec_model_len) {
			expect(rc == 0 && out == vec_model[--vec_model_len], "vec pop wrong");
		} else {
			expect(rc == -1 && errno == ERANGE, "pop of an empty vec allowed");
		}
	} else if (what == 2 && vec_model_len) {
		size_t index = value % vec_model_len;

		expect(*KHEAP_VEC_AT(&vec, index, uint32_t) == vec_model[index], "vec element wrong");
	} else if (what == 3) {
		unsigned before = reports;

		expect(kheap_vec_at(&vec, vec_model_len + value % 4) == NULL,
		       "vec index past the end allowed");
		expect_report(before, KHEAP_ERR_OUT_OF_BOUNDS, KHEAP_ERR_OUT_OF_BOUNDS);
	}
}

static void op_buf(struct input *in)
{
	size_t length = read_u8(in) % 64;
	char chunk[64];

	for (size_t i = 0; i < length; i++)
		chunk[i] = (char)('a' + read_u8(in) % 26);
	if (buf_model_len + length >= sizeof(buf_model)) {
		kheap_buf_clear(&buf);
		buf_model_len = 0;
	}
	expect(kheap_buf_append(&buf, chunk, length) == 0, "buf append failed");
	memcpy(buf_model + buf_model_len, chunk, length);
	buf_model_len += length;
	buf_model[buf_model_len] = '\0';
	expect(strcmp(kheap_buf_str(&buf), buf_model) == 0, "buf contents wrong");
}

/* ------------------------------------------------------------ driver -- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kheap_options options = {
		.backend = KHEAP_BACKEND_ANON,
		.on_error = KHEAP_ON_ERROR_RETURN,
		.hook = count_report,
	};

	(void)argc;
	(void)argv;
	if (kheap_init(&options)) {
		perror("kheap_init");
		exit(1);
	}
	vec_model = malloc(4096 * sizeof(*vec_model));
	return vec_model ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	kheap_vec_init(&vec, sizeof(uint32_t));
	kheap_buf_init(&buf);
	vec_model_len = buf_model_len = 0;
	memset(freed, 0, sizeof(freed));

	while (in.left) {
		unsigned op = read_u8(&in);
		struct slot *s = &slots[read_u8(&in) % SLOTS];

		switch (op % 12) {
		case 0: case 1: case 2:
			op_allocate(s, &in, op % 3);
			break;
		case 3:
			op_resize(s, &in);
			break;
		case 4:
			if (s->ptr)
				release(s);
			break;
		case 5:
			op_access(s, &in);
			break;
		case 6:
			op_double_free(&in);
			break;
		case 7:
			op_stale_reference(&in);
			break;
		case 8:
			op_interior_free(s, &in);
			break;
		case 9:
			op_overflow(s);
			break;
		case 10:
			op_vec(&in);
			break;
		case 11:
			op_buf(&in);
			break;
		}
		/*
		 * The containers allocate behind the model's back: an address
		 * they now use is no longer a freed one to free again.
		 */
		forget_freed(vec.items.ptr);
		forget_freed(buf.bytes.ptr);
	}

	for (size_t i = 0; i < SLOTS; i++)
		if (slots[i].ptr)
			release(&slots[i]);
	for (size_t i = 0; i < vec_model_len; i++)
		expect(*KHEAP_VEC_AT(&vec, i, uint32_t) == vec_model[i], "vec element lost");
	kheap_vec_destroy(&vec);
	kheap_buf_destroy(&buf);
	return 0;
}
