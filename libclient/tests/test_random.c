/* SPDX-License-Identifier: MIT */
/*
 * test_random - a long random mix of allocate, zeroed allocate, aligned
 * allocate, resize and free over every size tier, checked against a model:
 * each live block's bytes, size, alignment and reference, and that memory
 * from kheap_calloc is zero.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <kheapclient.h>

#include "tap.h"

#define SLOTS		512
#define OPERATIONS	100000

struct model {
	unsigned char *p;
	size_t size;
	size_t alignment;
	unsigned char fill;
	kheap_ref ref;
};

static struct model blocks[SLOTS];
static uint64_t state = 88172645463325252ull;

static uint64_t next_random(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static size_t random_size(void)
{
	switch (next_random() % 10) {
	case 0:
		return next_random() % 300000;		/* any tier */
	case 1:
	case 2:
		return 8192 + next_random() % 60000;	/* medium */
	default:
		return next_random() % 1024;		/* small */
	}
}

static bool holds(const struct model *b)
{
	for (size_t i = 0; i < b->size; i++)
		if (b->p[i] != b->fill)
			return false;
	return true;
}

static bool set(struct model *b, unsigned char *p, size_t size,
		size_t alignment)
{
	if (p == NULL)
		return false;
	b->p = p;
	b->size = size;
	b->alignment = alignment;
	b->fill = (unsigned char)next_random();
	b->ref = kheap_ref_of(p);
	memset(p, b->fill, size);
	return true;
}

TEST(random_operations_match_the_model)
{
	for (long op = 0; op < OPERATIONS; op++) {
		struct model *b = &blocks[next_random() % SLOTS];
		size_t size = random_size();

		if (b->p) {
			CHECK(holds(b));
			CHECK(kheap_usable_size(b->p) == b->size);
			CHECK((uintptr_t)b->p % b->alignment == 0);
			CHECK(kheap_ref_at(b->ref, 0, b->size) == b->p);
		}
		switch (next_random() % 4) {
		case 0:		/* free, then allocate */
			CHECK(kheap_free(b->p) == 0);
			b->p = NULL;
			CHECK(set(b, kheap_malloc(size), size, 16));
			break;
		case 1: {	/* free, then zeroed allocate */
			unsigned char *p;

			CHECK(kheap_free(b->p) == 0);
			b->p = NULL;
			p = kheap_calloc(1, size);
			CHECK(p != NULL);
			b->p = p;
			b->size = size;
			b->fill = 0;
			CHECK(holds(b));
			CHECK(set(b, p, size, 16));
			break;
		}
		case 2: {	/* free, then aligned allocate */
			size_t alignment = (size_t)16 << (next_random() % 10);

			CHECK(kheap_free(b->p) == 0);
			b->p = NULL;
			CHECK(set(b, kheap_aligned_alloc(alignment, size), size,
				  alignment));
			break;
		}
		default: {	/* resize: the common prefix survives */
			size_t keep = size < b->size ? size : b->size;
			unsigned char *p = kheap_realloc(b->p, size);

			CHECK(p != NULL);
			b->p = p;
			b->size = keep;
			CHECK(holds(b));
			CHECK(set(b, p, size, 16));
			break;
		}
		}
	}
	for (int i = 0; i < SLOTS; i++) {
		CHECK(blocks[i].p == NULL || holds(&blocks[i]));
		CHECK(kheap_free(blocks[i].p) == 0);
		blocks[i].p = NULL;
	}
}

/* Everything went back: only idle cached regions may remain. */
TEST(all_memory_returns)
{
	struct kheap_client_stats stats;

	kheap_client_stats(&stats);
	CHECK(stats.medium_regions == 0);
	CHECK(stats.regions - stats.cached_regions <= 32 * 2);
}

int main(void)
{
	if (kheap_init(NULL) < 0) {
		printf("Bail out! kheap_init: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	return tap_run();
}
