/* SPDX-License-Identifier: MIT */
/*
 * large.c - allocations too big for the medium heap get a span of their
 * own, so freeing them hands the pages straight back (through the region
 * cache). Its region is rounded up to one of eight sizes per power of two:
 * the cache matches sizes exactly, and a loop of allocations of similar
 * sizes then reuses regions whose pages are already mapped, without the
 * backend and without page faults.
 *
 * Each region has guard pages before and after it (guard.c), made once
 * with the region and kept while it waits in the cache, so that a loop of
 * allocations makes no system call. The block ends on the region's last
 * page (end-aligned, as scudo's secondary does): a far overflow faults on
 * the trailing guard at once (fault.c reports it); the few bytes between
 * the canary and the guard are checked to be still zero, as is the page
 * before the block, where an underflow lands unless the block starts the
 * region, and then it faults on the leading guard.
 */
#include <errno.h>
#include <pthread.h>

#include "clear.h"
#include "large.h"
#include "pagemap.h"
#include "region.h"
#include "report.h"

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
	size_t bytes, pages;
	char *start;

	if (size > SIZE_MAX / 4 - slack) {
		errno = ENOMEM;
		return NULL;
	}
	pages = kh_align_up(size + KH_CANARY_SIZE, kh_page_size);
	bytes = region_class(pages + slack);
	/* The pages before the block stay untouched. */
	span = kh_span_create(&(struct kh_span){ .ops = &kh_large_ops },
			      bytes, 2 * bytes, 1);
	if (span == NULL)
		return NULL;
	/* On the region's last pages, so that its end is the guard's start. */
	start = span->region.base + span->region.size - pages;
	start = (char *)((uintptr_t)start & ~(uintptr_t)(alignment - 1));
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

/* ---- the bytes around a block ------------------------------------------------
 * Zero while the block is live: the rest of the page its canary ends in
 * (a write past the end that skipped the canary) and the page before it
 * (an underflow). Each check reads at most a page; the page before is only
 * read, so an untouched one stays unbacked.
 */
static bool all_zero(const char *from, const char *to)
{
	for (; from < to && ((uintptr_t)from & 7); from++)
		if (*from)
			return false;
	for (; from + 8 <= to; from += 8)
		if (*(const uint64_t *)from)
			return false;
	for (; from < to; from++)
		if (*from)
			return false;
	return true;
}

/* The end of the bytes checked after @block: that of its canary's page. */
static char *tail_end(const struct kh_block *block)
{
	return (char *)kh_align_up((uintptr_t)block->start + block->size +
				   KH_CANARY_SIZE, kh_page_size);
}

/* The start of the bytes checked before @block, at most a page before. */
static char *head_start(const struct kh_block *block)
{
	char *base = block->span->region.base;

	return (size_t)(block->start - base) > kh_page_size
		? block->start - kh_page_size : base;
}

static int check_edges(const struct kh_block *block)
{
	if (!all_zero(block->start + block->size + KH_CANARY_SIZE,
		      tail_end(block)))
		return kh_report(KHEAP_ERR_HEAP_OVERFLOW, block->start,
				 block->start, block->size, block->meta->site,
				 0, 0);
	if (!all_zero(head_start(block), block->start))
		return kh_report(KHEAP_ERR_HEAP_UNDERFLOW, block->start,
				 block->start, block->size, block->meta->site,
				 0, 0);
	return 0;
}

/* ---- release and resize ------------------------------------------------------- */

static int large_release(const struct kh_block *block)
{
	struct kh_span *span = block->span;
	int rc = check_edges(block);
	/* Past a misuse (return-on-misuse mode), the page before as well. */
	size_t dirty = (size_t)((rc < 0 ? head_start(block) : block->start) -
				span->region.base);

	remember_released(block);
	/* The allocation, its canary and what an overflow past the canary
	 * reached in the last page. */
	kh_span_destroy(span, dirty, (size_t)(tail_end(block) -
					      span->region.base) - dirty);
	return rc;
}

/* Within the region when it fits and would not waste half of it. */
static bool large_resize_in_place(const struct kh_block *block, size_t size)
{
	size_t new_end = size + KH_CANARY_SIZE;

	if (new_end > block->room || new_end < block->room / 2)
		return false;
	/* A misuse found here stops the process; past it (return-on-misuse)
	 * the resize goes ahead, as after any report. */
	check_edges(block);
	/* Keep everything past the allocation zero, as release assumes. */
	kh_shrink_clear(block->start, block->size, size, block->room);
	block->span->large_size = size;
	return true;
}

/* ---- guard faults ---------------------------------------------------------------
 * Called from a signal handler: lock-free page-map reads and plain loads of
 * the span only. A span being freed by another thread at that moment may
 * be read half changed: the report can then be wrong, never unsafe (span
 * descriptors stay mapped).
 */
static bool in_guard(const struct kh_span *span, const char *addr,
		     bool *before)
{
	const char *base = span->region.base;
	const char *end = base + span->region.size;
	size_t guard = span->region.guard;

	if (span->ops != &kh_large_ops || guard == 0)
		return false;
	*before = addr < base;
	/*
	 * The half of each guard next to the region only: an access running
	 * off whatever is mapped beyond the guard enters it from the far
	 * side, and is not this block's to name.
	 */
	return (addr >= base - guard / 2 && addr < base) ||
	       (addr >= end && addr < end + guard / 2);
}

bool kh_large_guard_hit(const void *addr, struct kh_guard_hit *hit)
{
	uintptr_t a = (uintptr_t)addr;

	/* Its region is at most half a guard away (in_guard). */
	for (uintptr_t d = (uintptr_t)1 << KH_PAGEMAP_PAGE_SHIFT;
	     d <= KH_GUARD_BYTES / 2; d += (uintptr_t)1 << KH_PAGEMAP_PAGE_SHIFT) {
		uintptr_t probes[2] = { a - d, a + d };

		for (int i = 0; i < 2; i++) {
			struct kh_span *span =
				kh_pagemap_get((const void *)probes[i]);
			bool before;

			if (span == NULL || !in_guard(span, addr, &before))
				continue;
			hit->start = span->region.base + span->large_offset;
			hit->size = span->large_size;
			hit->site = span->meta->site;
			hit->before = before;
			return true;
		}
	}
	return false;
}

const struct kh_span_ops kh_large_ops = {
	.lookup = large_lookup,
	.release = large_release,
	.resize_in_place = large_resize_in_place,
	.guarded = true,
};
