/* SPDX-License-Identifier: MIT */
/*
 * test_alloc - the allocator through the public API: every size tier,
 * alignment, clearing, splitting and coalescing, resizing, the macros'
 * arithmetic and running out of memory. Runs on the backend KHEAP_BACKEND
 * names (anon on the host, the device in the VM).
 */
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include <kheapclient.h>

#include "tap.h"

/* Small enough for the module's per-process limit in the VM. */
#define LIMIT_BYTES	(48u << 20)

static const size_t sizes[] = {
	0, 1, 7, 8, 9, 15, 16, 17, 24, 100, 128, 129, 1000, 4096, 8184, 8185,
	10000, 65536, 100000, 250000, 262144, 300000, 1 << 20, 5 << 20,
};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* The bytes this process may hold: our limit or the module's, if lower. */
static size_t memory_limit(void)
{
	struct kheap_backend_info info;
	size_t limit = LIMIT_BYTES;

	if (kheap_backend_info(&info) == 0 && info.max_pages_per_process &&
	    info.max_pages_per_process * info.page_size < limit)
		limit = info.max_pages_per_process * info.page_size;
	return limit;
}

static bool all_bytes(const unsigned char *p, size_t n, unsigned char value)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != value)
			return false;
	return true;
}

TEST(every_tier_holds_its_bytes)
{
	unsigned char *blocks[NSIZES];

	for (size_t i = 0; i < NSIZES; i++) {
		blocks[i] = kheap_malloc(sizes[i]);
		CHECK(blocks[i] != NULL);
		CHECK(kheap_usable_size(blocks[i]) == sizes[i]);
		memset(blocks[i], (int)i + 1, sizes[i]);
	}
	for (size_t i = 0; i < NSIZES; i++) {
		CHECK(all_bytes(blocks[i], sizes[i], (unsigned char)(i + 1)));
		CHECK(kheap_check(blocks[i]) == 0);
		CHECK(kheap_free(blocks[i]) == 0);
	}
}

TEST(every_pointer_is_max_align_t_aligned)
{
	void *blocks[2000];

	for (size_t i = 0; i < 2000; i++) {
		blocks[i] = kheap_malloc(i * 37 % 20000);
		CHECK(blocks[i] != NULL);
		CHECK((uintptr_t)blocks[i] % alignof(max_align_t) == 0);
	}
	for (size_t i = 0; i < 2000; i++)
		CHECK(kheap_free(blocks[i]) == 0);
}

TEST(aligned_alloc_serves_larger_alignments)
{
	for (size_t align = 16; align <= (2u << 20); align <<= 1) {
		for (size_t s = 0; s < 4; s++) {
			size_t size = (size_t[]){ 1, 100, 5000, 300000 }[s];
			char *p = kheap_aligned_alloc(align, size);

			CHECK(p != NULL);
			CHECK((uintptr_t)p % align == 0);
			memset(p, 0x5a, size);
			CHECK(kheap_free(p) == 0);
		}
	}
	CHECK(kheap_aligned_alloc(24, 10) == NULL && errno == EINVAL);
}

TEST(freed_memory_is_cleared)
{
	for (size_t i = 0; i < NSIZES; i++) {
		unsigned char *p = kheap_malloc(sizes[i]);

		CHECK(p != NULL);
		memset(p, 0xff, sizes[i]);
		CHECK(kheap_free(p) == 0);
		/* Same size again, most likely the same memory: zero. */
		p = kheap_calloc(1, sizes[i]);
		CHECK(p != NULL);
		CHECK(all_bytes(p, sizes[i], 0));
		CHECK(kheap_free(p) == 0);
	}
}

/*
 * The original's failure case: four neighbouring blocks freed in the order
 * 1, 4, 3, then 2. Block 3 must merge to the right (with 4 and the free
 * rest of the region), block 2 to both sides, which empties the region.
 */
TEST(free_order_1_4_3_merges_both_ways)
{
	struct kheap_client_stats before, now;
	char *block[4];
	size_t size = 50000;

	kheap_client_stats(&before);
	for (int i = 0; i < 4; i++)
		block[i] = kheap_malloc(size);
	kheap_client_stats(&now);
	if (now.medium_regions != before.medium_regions + 1)
		SKIP("the blocks did not come from one fresh region");
	for (int i = 1; i < 4; i++)
		CHECK(block[i] > block[i - 1] && block[i] - block[i - 1] < 2 * (ptrdiff_t)size);
	/* Only the rest of the new region is free in it. */
	CHECK(now.medium_free_blocks == before.medium_free_blocks + 1);

	kheap_free(block[0]);		/* no free neighbour: one more block */
	kheap_client_stats(&now);
	CHECK(now.medium_free_blocks == before.medium_free_blocks + 2);
	kheap_free(block[3]);		/* merges right with the region's rest */
	kheap_client_stats(&now);
	CHECK(now.medium_free_blocks == before.medium_free_blocks + 2);
	kheap_free(block[2]);		/* merges right with 4 */
	kheap_client_stats(&now);
	CHECK(now.medium_free_blocks == before.medium_free_blocks + 2);
	kheap_free(block[1]);		/* merges left with 1 and right with 3 */
	kheap_client_stats(&now);
	CHECK(now.medium_regions == before.medium_regions);
	CHECK(now.medium_free_blocks == before.medium_free_blocks);
	CHECK(now.medium_free_bytes == before.medium_free_bytes);
}

TEST(size_overflow_is_an_error)
{
	int *p = (int *)1;
	int negative = -1;

	errno = 0;
	CHECK(kheap_new(p, SIZE_MAX / 2, int) == NULL && errno == ENOMEM);
	CHECK(p == NULL);
	errno = 0;
	CHECK(kheap_new(p, negative, int) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK(kheap_calloc(SIZE_MAX / 8, 16) == NULL && errno == ENOMEM);
	CHECK(kheap_new(p, 4, int) != NULL);
	errno = 0;
	CHECK(kheap_alt(p, SIZE_MAX / 3, int) == NULL && errno == ENOMEM);
	CHECK(p != NULL);		/* left as it was */
	CHECK(kheap_del(p) == 0 && p == NULL);
}

TEST(macro_count_is_parenthesised)
{
	int a = 3, b = 4;
	int *p;

	CHECK(kheap_new(p, a + b, int) != NULL);
	CHECK(kheap_usable_size(p) == (size_t)(a + b) * sizeof(int));
	CHECK(kheap_alt(p, a + b + 1, int) != NULL);
	CHECK(kheap_usable_size(p) == (size_t)(a + b + 1) * sizeof(int));
	kheap_del(p);
}

TEST(macro_arguments_are_evaluated_once)
{
	int *slots[2] = { NULL, NULL };
	int i = 0, n = 5;

	CHECK(kheap_new(slots[i++], n++, int) != NULL);
	CHECK(i == 1 && n == 6 && slots[0] && !slots[1]);
	CHECK(kheap_usable_size(slots[0]) == 5 * sizeof(int));
	i = 0;
	CHECK(kheap_alt(slots[i++], n++, int) != NULL);
	CHECK(i == 1 && n == 7);
	CHECK(kheap_usable_size(slots[0]) == 6 * sizeof(int));
	i = 0;
	kheap_del(slots[i++]);
	CHECK(i == 1 && slots[0] == NULL);
}

TEST(resize_keeps_the_smaller_size_of_data)
{
	for (size_t i = 0; i < NSIZES; i++) {
		for (size_t j = 0; j < NSIZES; j++) {
			size_t keep = sizes[i] < sizes[j] ? sizes[i] : sizes[j];
			unsigned char *p = kheap_malloc(sizes[i]);

			CHECK(p != NULL);
			for (size_t k = 0; k < sizes[i]; k++)
				p[k] = (unsigned char)(k * 7 + i);
			p = kheap_realloc(p, sizes[j]);
			CHECK(p != NULL);
			CHECK(kheap_usable_size(p) == sizes[j]);
			for (size_t k = 0; k < keep; k++)
				CHECK(p[k] == (unsigned char)(k * 7 + i));
			CHECK(kheap_free(p) == 0);
		}
	}
}

TEST(resize_in_place_when_possible)
{
	char *p = kheap_malloc(33);
	char *medium = kheap_malloc(20000);

	CHECK(kheap_realloc(p, 40) == p);	/* same size class */
	CHECK(kheap_realloc(p, 35) == p);
	CHECK(kheap_realloc(medium, 19000) == medium);	/* shrink */
	CHECK(kheap_realloc(medium, 20000) == medium);	/* regrow into the tail */
	kheap_free(medium);
	kheap_free(p);
}

TEST(zero_sized_allocations_are_distinct)
{
	void *a = kheap_malloc(0), *b = kheap_malloc(0);

	CHECK(a && b && a != b);
	CHECK(kheap_usable_size(a) == 0);
	kheap_free(a);
	kheap_free(b);
}

TEST(empty_regions_go_back)
{
	struct kheap_client_stats before, after;
	void *p;

	if (memory_limit() < (24u << 20))
		SKIP("less memory than a region past the cache's size");
	kheap_client_stats(&before);
	p = kheap_malloc(12 << 20);
	CHECK(p != NULL);
	kheap_free(p);
	kheap_client_stats(&after);
	/* A region this big skips the cache: straight back to the backend. */
	CHECK(after.backend_unmaps == before.backend_unmaps + 1);
	CHECK(after.region_bytes == before.region_bytes);
}

/* Allocation after the backend limit is reached fails, promptly. */
TEST(out_of_memory_returns_null_with_enomem)
{
	static void *blocks[LIMIT_BYTES / 4096];
	size_t limit = memory_limit(), count = 0;

	for (;;) {
		void *p = kheap_malloc(4000);

		if (p == NULL) {
			CHECK(errno == ENOMEM);
			break;
		}
		CHECK(count < sizeof(blocks) / sizeof(blocks[0]));
		blocks[count++] = p;
	}
	/* At most a few regions short of the limit. */
	CHECK(count * 4096 > limit / 2);
	errno = 0;
	CHECK(kheap_malloc(1 << 20) == NULL && errno == ENOMEM);
	CHECK(kheap_malloc(limit / 4) == NULL && errno == ENOMEM);
	while (count > 0)
		CHECK(kheap_free(blocks[--count]) == 0);
	CHECK((blocks[0] = kheap_malloc(limit / 4)) != NULL);
	kheap_free(blocks[0]);
}

int main(void)
{
	struct kheap_options options = { .limit_bytes = LIMIT_BYTES };

	if (kheap_init(&options) < 0) {
		printf("Bail out! kheap_init: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	return tap_run();
}
