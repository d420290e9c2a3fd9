/* SPDX-License-Identifier: MIT */
/*
 * medium.c - the TLSF heap for medium sizes.
 *
 * Blocks are runs of granules. A block's first and last granule carry its
 * boundary tag (length and flags) in the out-of-line metadata (meta.link),
 * so neighbours are found in O(1) without touching user memory. Free blocks
 * sit on segregated lists indexed by (first level = log2 of the length,
 * second level = next SL_BITS bits), with bitmaps for O(1) search. The list
 * links are the only thing stored inside free memory, in its first 16
 * bytes, and are zeroed when the block is taken: free memory stays zero.
 *
 * The medium heap is split into arenas, each with its own lock, free lists
 * and spans; a thread allocates from the arena of its heap, and a free
 * goes back to the arena that owns the span, whichever thread frees.
 */
#include <pthread.h>
#include <stdlib.h>

#include "clear.h"
#include "medium.h"
#include "pagemap.h"
#include "region.h"
#include "report.h"

#define GRANULE_SHIFT	8
#define GRANULE		(1u << GRANULE_SHIFT)
#define SPAN_BYTES	(1u << 20)

#define TAG_START	(1u << 31)	/* first granule of a block */
#define TAG_END		(1u << 30)	/* last granule of a block */
#define TAG_FREE	(1u << 29)
#define TAG_LENGTH	(TAG_FREE - 1)

#define SL_BITS		4
#define SL_COUNT	(1u << SL_BITS)
#define FL_COUNT	24

struct free_links {
	struct free_links *prev, *next;
};

size_t kh_medium_max;

struct kh_medium_arena {
	pthread_mutex_t lock;
	uint32_t fl_bitmap;
	uint32_t sl_bitmap[FL_COUNT];
	struct free_links *free_lists[FL_COUNT][SL_COUNT];
	size_t span_count, free_block_count, free_granules;
} __attribute__((aligned(64)));

static size_t span_bytes;
static uint32_t span_granules;
static struct kh_medium_arena arenas[KH_MEDIUM_ARENAS] = {
	[0 ... KH_MEDIUM_ARENAS - 1] = { .lock = PTHREAD_MUTEX_INITIALIZER },
};

void kh_medium_init(void)
{
	span_bytes = SPAN_BYTES;
	if (span_bytes < kh_page_size)
		span_bytes = kh_page_size;
	if (span_bytes > kh_max_region_bytes)
		span_bytes = kh_max_region_bytes & ~(kh_page_size - 1);
	span_granules = (uint32_t)(span_bytes >> GRANULE_SHIFT);
	/* Beyond a quarter span a block would strand too much of it. */
	kh_medium_max = span_bytes / 4;
}

/* ---- size classes ------------------------------------------------------------ */

static void mapping(uint32_t length, unsigned *fl, unsigned *sl)
{
	if (length < SL_COUNT) {
		*fl = 0;
		*sl = length;
	} else {
		unsigned log = kh_log2(length);

		*fl = log - SL_BITS + 1;
		*sl = (length >> (log - SL_BITS)) - SL_COUNT;
	}
}

/* The class whose every block is at least @length long. */
static void mapping_search(uint32_t length, unsigned *fl, unsigned *sl)
{
	if (length >= SL_COUNT)
		length += (1u << (kh_log2(length) - SL_BITS)) - 1;
	mapping(length, fl, sl);
}

/* ---- boundary tags --------------------------------------------------------- */

static void tag_block(struct kh_span *span, uint32_t first, uint32_t length,
		      uint32_t flags)
{
	span->meta[first + length - 1].link = length | TAG_END | flags;
	span->meta[first].link |= length | TAG_START | flags;
}

static void untag_block(struct kh_span *span, uint32_t first, uint32_t length)
{
	span->meta[first].link = 0;
	span->meta[first + length - 1].link = 0;
}

static char *granule_address(const struct kh_span *span, uint32_t granule)
{
	return span->region.base + ((size_t)granule << GRANULE_SHIFT);
}

/* ---- free lists (the arena lock held) ------------------------------------- */

static void list_insert(struct kh_span *span, uint32_t first, uint32_t length)
{
	struct kh_medium_arena *arena = span->arena;
	struct free_links *links = (struct free_links *)granule_address(span, first);
	unsigned fl, sl;

	mapping(length, &fl, &sl);
	tag_block(span, first, length, TAG_FREE);
	links->prev = NULL;
	links->next = arena->free_lists[fl][sl];
	if (links->next)
		links->next->prev = links;
	arena->free_lists[fl][sl] = links;
	arena->fl_bitmap |= 1u << fl;
	arena->sl_bitmap[fl] |= 1u << sl;
	arena->free_block_count++;
	arena->free_granules += length;
}

/* Whether @links is the start of a free block of @arena's. */
static bool is_free_block(const struct kh_medium_arena *arena,
			  const struct free_links *links)
{
	const struct kh_span *span = kh_pagemap_get(links);
	size_t offset;

	if (span == NULL || span->ops != &kh_medium_ops || span->arena != arena)
		return false;
	offset = (size_t)((const char *)links - span->region.base);
	return (offset & (GRANULE - 1)) == 0 &&
	       (span->meta[offset >> GRANULE_SHIFT].link & (TAG_START | TAG_FREE)) ==
	       (TAG_START | TAG_FREE);
}

/*
 * A free block's links are the one thing kept in free memory, so a write
 * after free can change them, and following them then writes where the
 * writer chose. Before unlinking, both neighbours must be free blocks of
 * the arena that point back at this one; else the free lists are beyond
 * repair and the process stops, in every error mode.
 */
static void check_links(struct kh_medium_arena *arena, struct kh_span *span,
			uint32_t first, const struct free_links *links,
			unsigned fl, unsigned sl)
{
	bool prev_ok = links->prev ? is_free_block(arena, links->prev) &&
				     links->prev->next == links
				   : arena->free_lists[fl][sl] == links;
	bool next_ok = links->next == NULL ||
		       (is_free_block(arena, links->next) &&
			links->next->prev == links);

	if (likely(prev_ok && next_ok))
		return;
	kh_report(KHEAP_ERR_WRITE_AFTER_FREE, links, links,
		  span->meta[first].size, span->meta[first].site, 0, 0);
	kh_print("kheap: the medium heap's free lists are corrupt: stopping");
	abort();
}

static void list_remove(struct kh_span *span, uint32_t first, uint32_t length)
{
	struct kh_medium_arena *arena = span->arena;
	struct free_links *links = (struct free_links *)granule_address(span, first);
	unsigned fl, sl;

	kh_assert((span->meta[first].link & (TAG_START | TAG_FREE)) ==
		  (TAG_START | TAG_FREE));
	kh_assert((span->meta[first + length - 1].link & TAG_LENGTH) == length);

	mapping(length, &fl, &sl);
	check_links(arena, span, first, links, fl, sl);
	if (links->prev)
		links->prev->next = links->next;
	else
		arena->free_lists[fl][sl] = links->next;
	if (links->next)
		links->next->prev = links->prev;
	if (arena->free_lists[fl][sl] == NULL) {
		arena->sl_bitmap[fl] &= ~(1u << sl);
		if (arena->sl_bitmap[fl] == 0)
			arena->fl_bitmap &= ~(1u << fl);
	}
	untag_block(span, first, length);
	arena->free_block_count--;
	arena->free_granules -= length;
	/* The block's memory must read as zero once it is not free. */
	links->prev = links->next = NULL;
}

static struct free_links *list_find(struct kh_medium_arena *arena,
				     uint32_t length)
{
	unsigned fl, sl;
	uint32_t sl_map, fl_map;

	mapping_search(length, &fl, &sl);
	if (fl >= FL_COUNT)
		return NULL;
	sl_map = arena->sl_bitmap[fl] & (~0u << sl);
	if (sl_map == 0) {
		fl_map = fl + 1 < 32 ? arena->fl_bitmap & (~0u << (fl + 1)) : 0;
		if (fl_map == 0)
			return NULL;
		fl = (unsigned)__builtin_ctz(fl_map);
		sl_map = arena->sl_bitmap[fl];
	}
	return arena->free_lists[fl][__builtin_ctz(sl_map)];
}

/* ---- spans ---------------------------------------------------------------- */

/* A medium span: one region, all of it a single free block. */
static struct kh_span *span_create(struct kh_medium_arena *arena)
{
	struct kh_span *span = kh_span_create(&(struct kh_span){
		.ops = &kh_medium_ops,
		.arena = arena,
	}, span_bytes, span_bytes, span_granules);

	if (span == NULL)
		return NULL;
	list_insert(span, 0, span_granules);
	arena->span_count++;
	return span;
}

static void span_destroy(struct kh_span *span)
{
	span->arena->span_count--;
	kh_span_destroy(span, 0, 0);
}

/*
 * Make granules [first, first + length) of @span free: merge with free
 * neighbours on both sides, then list the result, or give the span back
 * when it is all free. The memory must already be zero.
 */
static void free_range(struct kh_span *span, uint32_t first, uint32_t length)
{
	uint32_t end = first + length;

	kh_assert(length > 0 && end <= span_granules);

	if (end < span_granules && (span->meta[end].link & TAG_FREE)) {
		uint32_t right = span->meta[end].link & TAG_LENGTH;

		list_remove(span, end, right);
		length += right;
	}
	if (first > 0 && (span->meta[first - 1].link & TAG_FREE)) {
		uint32_t left = span->meta[first - 1].link & TAG_LENGTH;

		list_remove(span, first - left, left);
		first -= left;
		length += left;
	}
	if (length == span_granules)
		span_destroy(span);
	else
		list_insert(span, first, length);
}

/* ---- allocation ------------------------------------------------------------- */

static uint32_t granules_for(size_t bytes)
{
	return (uint32_t)((bytes + GRANULE - 1) >> GRANULE_SHIFT);
}

void *kh_medium_alloc(unsigned arena_index, size_t size, size_t alignment,
		      uint32_t site)
{
	struct kh_medium_arena *arena = &arenas[arena_index % KH_MEDIUM_ARENAS];
	/* Granules are GRANULE aligned; more alignment costs slack. */
	size_t slack = alignment > GRANULE ? alignment - GRANULE : 0;
	uint32_t length = granules_for(size + KH_CANARY_SIZE);
	struct free_links *links;
	struct kh_span *span;
	uint32_t first, found, lead;
	char *start;

	pthread_mutex_lock(&arena->lock);
	links = list_find(arena, length + granules_for(slack));
	if (links == NULL) {
		if (span_create(arena) == NULL) {
			pthread_mutex_unlock(&arena->lock);
			return NULL;
		}
		/* kh_medium_max keeps every request within a fresh span. */
		links = list_find(arena, length + granules_for(slack));
		kh_assert(links != NULL);
	}
	span = kh_pagemap_get(links);
	first = (uint32_t)(((char *)links - span->region.base) >> GRANULE_SHIFT);
	found = span->meta[first].link & TAG_LENGTH;
	list_remove(span, first, found);

	start = (char *)kh_align_up((size_t)links, alignment);
	lead = (uint32_t)((start - (char *)links) >> GRANULE_SHIFT);
	if (lead) {
		list_insert(span, first, lead);
		first += lead;
		found -= lead;
	}
	if (found > length)
		list_insert(span, first + length, found - length);
	tag_block(span, first, length, 0);
	pthread_mutex_unlock(&arena->lock);

	if (unlikely(!kh_still_clear(start, (size_t)length << GRANULE_SHIFT)))
		return kh_alloc_written(start, (size_t)length << GRANULE_SHIFT,
					&span->meta[first], size, site);
	kh_meta_activate(&span->meta[first], start, size, site);
	return start;
}

/* ---- lookup and free --------------------------------------------------------- */

static enum kh_lookup medium_lookup(struct kh_span *span, const void *ptr,
				    struct kh_block *block)
{
	struct kh_medium_arena *arena = span->arena;
	size_t offset = (size_t)((const char *)ptr - span->region.base);
	uint32_t granule = (uint32_t)(offset >> GRANULE_SHIFT);
	uint32_t first = granule;
	bool aligned = (offset & (GRANULE - 1)) == 0;
	uint32_t tag;

	/*
	 * The start of a live block, the case of every valid free: only
	 * the thread that owns the block changes its tags (resizing it), so
	 * they can be read without the lock.
	 */
	if (likely(aligned)) {
		tag = __atomic_load_n(&span->meta[granule].link, __ATOMIC_RELAXED);
		if (likely((tag & (TAG_START | TAG_FREE)) == TAG_START)) {
			block->span = span;
			block->start = (char *)ptr;
			block->room = (size_t)(tag & TAG_LENGTH) << GRANULE_SHIFT;
			block->meta = &span->meta[granule];
			block->size = block->meta->size;
			return KH_EXACT;
		}
	}
	/* Tags can change under a concurrent allocation; a lookup racing
	 * with one is a use of memory the caller does not own anyway. */
	pthread_mutex_lock(&arena->lock);
	while (!(span->meta[first].link & TAG_START) && first > 0)
		first--;
	block->span = span;
	block->start = granule_address(span, first);
	block->room = (size_t)(span->meta[first].link & TAG_LENGTH) << GRANULE_SHIFT;
	/* A block merged into a free neighbour keeps its old metadata: a
	 * second free of it is still a double free, not a wild pointer. */
	if (aligned && first != granule && (span->meta[first].link & TAG_FREE) &&
	    span->meta[granule].gen != 0)
		first = granule;
	block->meta = &span->meta[first];
	block->size = block->meta->size;
	pthread_mutex_unlock(&arena->lock);
	if (first == granule && aligned)
		block->start = (char *)ptr;
	return aligned && first == granule ? KH_EXACT : KH_INTERIOR;
}

static int medium_release(const struct kh_block *block)
{
	struct kh_span *span = block->span;
	/* Kept apart: free_range may release the span and its region. */
	struct kh_medium_arena *arena = span->arena;
	uint32_t first = (uint32_t)(block->meta - span->meta);
	uint32_t length = span->meta[first].link & TAG_LENGTH;

	kh_block_clear(block->start, block->size,
		       (size_t)length << GRANULE_SHIFT);
	pthread_mutex_lock(&arena->lock);
	untag_block(span, first, length);
	free_range(span, first, length);
	pthread_mutex_unlock(&arena->lock);
	return 0;
}

/* Shrink, or grow into a free right neighbour. */
static bool medium_resize_in_place(const struct kh_block *block, size_t size)
{
	struct kh_span *span = block->span;
	struct kh_medium_arena *arena = span->arena;
	uint32_t first = (uint32_t)(block->meta - span->meta);
	uint32_t length, wanted, end;
	bool done = true;

	if (size + KH_CANARY_SIZE > kh_medium_max)
		return false;
	wanted = granules_for(size + KH_CANARY_SIZE);
	pthread_mutex_lock(&arena->lock);
	length = span->meta[first].link & TAG_LENGTH;
	end = first + length;
	kh_shrink_clear(block->start, block->size, size,
			(size_t)(wanted < length ? wanted : length) << GRANULE_SHIFT);
	if (wanted < length) {
		memset(granule_address(span, first + wanted), 0,
		       (size_t)(length - wanted) << GRANULE_SHIFT);
		untag_block(span, first, length);
		tag_block(span, first, wanted, 0);
		free_range(span, first + wanted, length - wanted);
	} else if (wanted > length) {
		uint32_t right = end < span_granules &&
				 (span->meta[end].link & TAG_FREE)
				 ? span->meta[end].link & TAG_LENGTH : 0;

		if (length + right < wanted) {
			done = false;
		} else {
			list_remove(span, end, right);
			untag_block(span, first, length);
			tag_block(span, first, wanted, 0);
			if (length + right > wanted)
				list_insert(span, first + wanted,
					    length + right - wanted);
		}
	}
	pthread_mutex_unlock(&arena->lock);
	return done;
}

const struct kh_span_ops kh_medium_ops = {
	.lookup = medium_lookup,
	.release = medium_release,
	.resize_in_place = medium_resize_in_place,
};

void kh_medium_stats(struct kheap_client_stats *stats)
{
	stats->medium_regions = 0;
	stats->medium_free_blocks = 0;
	stats->medium_free_bytes = 0;
	for (unsigned i = 0; i < KH_MEDIUM_ARENAS; i++) {
		struct kh_medium_arena *arena = &arenas[i];

		pthread_mutex_lock(&arena->lock);
		stats->medium_regions += arena->span_count;
		stats->medium_free_blocks += arena->free_block_count;
		stats->medium_free_bytes += arena->free_granules << GRANULE_SHIFT;
		pthread_mutex_unlock(&arena->lock);
	}
}

void kh_medium_lock(void)
{
	for (unsigned i = 0; i < KH_MEDIUM_ARENAS; i++)
		pthread_mutex_lock(&arenas[i].lock);
}

void kh_medium_unlock(void)
{
	for (unsigned i = KH_MEDIUM_ARENAS; i-- > 0;)
		pthread_mutex_unlock(&arenas[i].lock);
}
