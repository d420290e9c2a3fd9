/* SPDX-License-Identifier: MIT */
/*
 * slab.h - small allocations: fixed-size slots in slab spans, one slab list
 * per size class per thread heap, and in front of each list a short cache
 * of slots this thread freed. Free slots are chained through the
 * out-of-line metadata, so freed memory stays zero and untouched.
 */
#ifndef KHEAP_SLAB_H
#define KHEAP_SLAB_H

#include <stddef.h>
#include <stdint.h>

#include "clear.h"
#include "config.h"
#include "heap.h"
#include "profile.h"
#include "report.h"
#include "sizeclass.h"
#include "span.h"

/*
 * A slab slot's meta.link says which list the slot is on:
 *   0                            none: live, in a slot cache, or the last
 *                                of the owner's free list
 *   next + 1                     the owner's free list, @next the slot
 *                                after it (KH_NO_SLOT + 1 wraps to 0)
 *   KH_LINK_REMOTE | (next + 1)  the remote stack of slots other threads
 *                                freed, waiting for the owner
 * A live slot's link is 0 unless a racing double free left it on the
 * remote stack (slab.c, "Frees from two threads").
 */
#define KH_LINK_REMOTE	0x80000000u

void *kh_slab_alloc_slow(struct kh_heap *heap, unsigned size_class,
			 size_t size, uint32_t site);

/* Allocate @size bytes (plus canary) from class @size_class. */
static inline __attribute__((always_inline)) void *
kh_slab_alloc(struct kh_heap *heap, unsigned size_class, size_t size,
	      uint32_t site)
{
	uint32_t cached = heap->cached[size_class];
	struct kh_span *span;
	uint32_t slot;
	char *start;

	if (likely(cached != 0)) {
		struct kh_cached_slot *top = &heap->cache[size_class][cached - 1];

		heap->cached[size_class] = cached - 1;
		start = top->start;
		if (unlikely(!kh_still_clear(start, kh_class_size[size_class])))
			return kh_alloc_written(start, kh_class_size[size_class],
						top->meta, size, site);
		kh_meta_activate(top->meta, start, size, site);
		return start;
	}
	span = heap->slabs[size_class];
	if (unlikely(span == NULL))
		return kh_slab_alloc_slow(heap, size_class, size, site);
	slot = span->free_head;
	if (likely(slot != KH_NO_SLOT)) {
		span->free_head = span->meta[slot].link - 1;
		span->meta[slot].link = 0;
	} else if (span->fresh < span->capacity) {
		slot = span->fresh++;
	} else {
		return kh_slab_alloc_slow(heap, size_class, size, site);
	}
	span->used++;
	start = span->region.base + (size_t)slot * span->slot_size;
	if (unlikely(!kh_still_clear(start, span->slot_size)))
		return kh_alloc_written(start, span->slot_size,
					&span->meta[slot], size, site);
	kh_meta_activate(&span->meta[slot], start, size, site);
	return start;
}

/*
 * Where @ptr falls in @span's slots: offset * slot_recip, whose high half
 * is the slot index and whose low half is below slot_recip exactly when
 * @ptr is a slot's start (see slab_create for the bounds this needs).
 */
static inline uint64_t kh_slab_position(const struct kh_span *span,
					const void *ptr)
{
	return (uint64_t)((const char *)ptr - span->region.base) *
	       span->slot_recip;
}

/* Slot @ptr points into, or KH_NO_SLOT for the tail no slot covers. */
static inline uint32_t kh_slab_slot(const struct kh_span *span, const void *ptr)
{
	uint32_t slot = (uint32_t)(kh_slab_position(span, ptr) >> 32);

	return slot < span->capacity ? slot : KH_NO_SLOT;
}

/* Slot that starts at @ptr, or KH_NO_SLOT. */
static inline uint32_t kh_slab_slot_at(const struct kh_span *span,
				       const void *ptr)
{
	uint64_t position = kh_slab_position(span, ptr);
	uint32_t slot = (uint32_t)(position >> 32);

	return slot < span->capacity && (uint32_t)position < span->slot_recip ?
	       slot : KH_NO_SLOT;
}

static inline char *kh_slab_slot_start(const struct kh_span *span, uint32_t slot)
{
	return span->region.base + (size_t)slot * span->slot_size;
}

/*
 * The owner's free of live, intact slot @slot (generation @gen) onto the
 * slab's free list, for when the slot cache cannot take it. false, the
 * slot untouched, when another free got there first.
 */
bool kh_slab_free_listed(struct kh_heap *heap, struct kh_span *span,
			 uint32_t slot, uint32_t gen);

/* Take back the slots other threads freed into @heap's slabs. */
void kh_slab_collect(struct kh_heap *heap);

/*
 * Owner: end the generation @gen of live slot @meta at @ptr of @span,
 * clear it and keep it in the slot cache, which has room.
 */
static inline __attribute__((always_inline)) void
kh_slot_cache_put(struct kh_heap *heap, const struct kh_span *span,
		  struct kh_meta *meta, uint32_t gen, void *ptr)
{
	uint32_t cached = heap->cached[span->size_class];
	struct kh_cached_slot *top = &heap->cache[span->size_class][cached];

	__atomic_store_n(&meta->gen, kh_gen_next(gen), __ATOMIC_RELEASE);
	top->start = ptr;
	top->meta = meta;
	heap->cached[span->size_class] = cached + 1;
	/* Last, so that a memset call is a tail call: free stays a leaf. */
	kh_block_clear(ptr, meta->size, span->slot_size);
}

/*
 * The common free: a valid, live, intact slot of a slab this thread owns,
 * allocated by @family's calls, into the slot cache when it belongs to the
 * slab allocated from, else onto its slab's free list. Anything else
 * (including every misuse) returns false untouched, for the general path
 * to sort out and report.
 *
 * The cache path ends the generation with a plain store, no locked
 * instruction: slab.c ("Frees from two threads") explains how a racing
 * free by another thread is still caught.
 */
static inline __attribute__((always_inline)) bool
kh_slab_free_local(struct kh_heap *heap, struct kh_span *span, void *ptr,
		   enum kh_family family)
{
	uint32_t slot = kh_slab_slot_at(span, ptr);
	struct kh_meta *meta;
	uint32_t gen;

	if (unlikely(span->owner != heap || slot == KH_NO_SLOT))
		return false;
	meta = &span->meta[slot];
	gen = __atomic_load_n(&meta->gen, __ATOMIC_RELAXED);
	if (unlikely(!kh_gen_live(gen) || !kh_canary_intact(ptr, meta->size) ||
		     kh_site_family(meta->site) != family))
		return false;
	if (unlikely(heap->slabs[span->size_class] != span ||
		     heap->cached[span->size_class] == KH_SLOT_CACHE ||
		     kh_profiling()))
		return kh_slab_free_listed(heap, span, slot, gen);
	kh_slot_cache_put(heap, span, meta, gen, ptr);
	return true;
}

#endif /* KHEAP_SLAB_H */
