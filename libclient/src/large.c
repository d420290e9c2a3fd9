/* SPDX-License-Identifier: MIT */
/*
 * large.c - allocations too big for the medium heap get a span of their
 * own, so freeing them hands the pages straight back (through the region
 * cache). Its region is rounded up to one of eight sizes per power of two:
 * the cache matches sizes exactly, and a loop of allocations of similar
 * sizes then reuses regions whose pages are already mapped, without the
 * backend and without page faults.
 */
#include <errno.h>
#include <pthread.h>

#include "large.h"
#include "region.h"

#define RELEASED_REMEMBERED 64

struct released {
	const char *start;
	size_t size;
	struct kh_meta meta;
};

static struct released released[RELEASED_REMEMBERED];
static unsigned released_next;
static pthread_mutex_t released_lock = PTHREAD_MUTEX_INITIALIZER;

static void remember_released(const struct kh_block *block)
{
	pthread_mutex_lock(&released_lock);
	released[released_next] = (struct released){
		.start = block->start,
		.size = block->size,
		.meta = *block->meta,
	};
	released_next = (released_next + 1) % RELEASED_REMEMBERED;
	pthread_mutex_unlock(&released_lock);
}

/* Only reached for pointers no span covers: error paths. */
bool kh_large_find_released(const void *ptr, struct kh_block *block)
{
	bool found = false;

	pthread_mutex_lock(&released_lock);
	for (unsigned i = 0; i < RELEASED_REMEMBERED && !found; i++) {
		struct released *r = &released[i];

		if (r->start == ptr && ptr != NULL) {
			*block = (struct kh_block){
				.meta = &r->meta,
				.start = (char *)r->start,
				.size = r->size,
			};
			found = true;
		}
	}
	pthread_mutex_unlock(&released_lock);
	return found;
}

void kh_large_lock(void)
{
	pthread_mutex_lock(&released_lock);
}

void kh_large_unlock(void)
{
	pthread_mutex_unlock(&released_lock);
}

/* Region bytes for a large allocation needing @bytes: at most 1/8 more. */
static size_t region_class(size_t bytes)
{
	size_t rounded = kh_align_up(bytes, kh_page_size);
	size_t step = ((size_t)1 << kh_log2(rounded)) / 8;

	if (step > kh_page_size)
		rounded = kh_align_up(rounded, step);
	/* The backend's largest region is the last class. */
	if (rounded > kh_max_region_bytes && bytes <= kh_max_region_bytes)
		rounded = kh_align_up(bytes, kh_page_size);
	return rounded;
}

void *kh_large_alloc(size_t size, size_t alignment, uint32_t site)
{
	/* A region is page aligned; larger alignments need slack. */
	size_t slack = alignment > kh_page_size ? alignment - kh_page_size : 0;
	struct kh_span *span;
	size_t bytes;
	char *start;

	if (size > SIZE_MAX / 4 - slack) {
		errno = ENOMEM;
		return NULL;
	}
	bytes = region_class(size + KH_CANARY_SIZE + slack);
	/* The pages past what it uses stay untouched. */
	span = kh_span_create(&(struct kh_span){ .ops = &kh_large_ops },
			      bytes, 2 * bytes, 1);
	if (span == NULL)
		return NULL;
	start = (char *)kh_align_up((size_t)span->region.base, alignment);
	span->large_offset = (size_t)(start - span->region.base);
	span->large_size = size;
	kh_meta_activate(span->meta, start, size, site);
	return start;
}

static enum kh_lookup large_lookup(struct kh_span *span, const void *ptr,
				   struct kh_block *block)
{
	block->span = span;
	block->meta = span->meta;
	block->start = span->region.base + span->large_offset;
	block->size = span->large_size;
	block->room = span->region.size - span->large_offset;
	return block->start == ptr ? KH_EXACT : KH_INTERIOR;
}

static int large_release(const struct kh_block *block)
{
	struct kh_span *span = block->span;
	size_t written = kh_align_up(span->large_offset + block->size +
				     KH_CANARY_SIZE, kh_page_size) -
			 span->large_offset;

	remember_released(block);
	/* The allocation, its canary and whatever an overflow past the
	 * canary reached in the last page. */
	kh_span_destroy(span, span->large_offset, written);
	return 0;
}

/* Within the region when it fits and would not waste half of it. */
static bool large_resize_in_place(const struct kh_block *block, size_t size)
{
	size_t old_end = block->size + KH_CANARY_SIZE;
	size_t new_end = size + KH_CANARY_SIZE;

	if (new_end > block->room || new_end < block->room / 2)
		return false;
	/* Keep everything past the allocation zero, as release assumes. */
	if (new_end < old_end)
		memset(block->start + new_end, 0, old_end - new_end);
	block->span->large_size = size;
	return true;
}

const struct kh_span_ops kh_large_ops = {
	.lookup = large_lookup,
	.release = large_release,
	.resize_in_place = large_resize_in_place,
};
