/* SPDX-License-Identifier: MIT */
/*
 * slab.h - small allocations: fixed-size slots in slab spans, one slab list
 * per size class per thread heap. Free slots are chained through the
 * out-of-line metadata, so freed memory stays zero and untouched.
 */
#ifndef KHEAP_SLAB_H
#define KHEAP_SLAB_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "heap.h"
#include "profile.h"
#include "sizeclass.h"
#include "span.h"

void *kh_slab_alloc_slow(struct kh_heap *heap, unsigned size_class,
			 size_t size, uint32_t site);

/* Allocate @size bytes (plus canary) from class @size_class. */
static inline __attribute__((always_inline)) void *
kh_slab_alloc(struct kh_heap *heap, struct kh_span **list, unsigned size_class,
	      size_t size, uint32_t site)
{
	struct kh_span *span = *list;
	uint32_t slot;
	char *start;

	if (unlikely(span == NULL))
		return kh_slab_alloc_slow(heap, size_class, size, site);
	slot = span->free_head;
	if (likely(slot != KH_NO_SLOT))
		span->free_head = span->meta[slot].link;
	else if (span->fresh < span->capacity)
		slot = span->fresh++;
	else
		return kh_slab_alloc_slow(heap, size_class, size, site);
	span->used++;
	start = span->region.base + (size_t)slot * span->slot_size;
	kh_assert_slow(start[0] == 0 && start[span->slot_size - 1] == 0);
	kh_meta_activate(&span->meta[slot], start, size, site);
	return start;
}

/* Slot of @ptr in @span: offset * (2^32 / slot size), exact for spans
 * below 4 GiB / KH_SMALL_MAX. KH_NO_SLOT for the tail no slot covers. */
static inline uint32_t kh_slab_slot(const struct kh_span *span, const void *ptr)
{
	size_t offset = (size_t)((const char *)ptr - span->region.base);
	uint32_t slot = (uint32_t)((offset * span->slot_recip) >> 32);

	return slot < span->capacity ? slot : KH_NO_SLOT;
}

static inline char *kh_slab_slot_start(const struct kh_span *span, uint32_t slot)
{
	return span->region.base + (size_t)slot * span->slot_size;
}

/* Slots up to this size are cleared inline by kh_slot_clear_small. */
#define KH_SLOT_CLEAR_INLINE	128u

/*
 * memset(slot, 0, size) for small slots (16-byte multiples) without the
 * call: overlapping 16-byte stores from both ends, as memset itself does.
 */
static inline void kh_slot_clear_small(void *slot, size_t size)
{
	typedef uint64_t chunk __attribute__((vector_size(16), may_alias));
	const chunk zero = { 0, 0 };
	char *p = slot, *end = p + size;

	*(chunk *)p = zero;
	*(chunk *)(end - 16) = zero;
	if (size <= 32)
		return;
	*(chunk *)(p + 16) = zero;
	*(chunk *)(end - 32) = zero;
	if (size <= 64)
		return;
	*(chunk *)(p + 32) = zero;
	*(chunk *)(p + 48) = zero;
	*(chunk *)(end - 64) = zero;
	*(chunk *)(end - 48) = zero;
}

enum kh_lookup kh_slab_lookup(struct kh_span *span, const void *ptr,
			      struct kh_block *block);
/* Give a slot whose generation was just ended back to its slab. */
void kh_slab_release(const struct kh_block *block);
/* true when @size fits the slot and the class would not shrink. */
bool kh_slab_fits(const struct kh_block *block, size_t size);

/*
 * The rest of a local free that kh_slab_free_local keeps off its path: a
 * slot too big to clear inline, a slab that was full or became empty, a
 * profiler to tell.
 */
void kh_slab_free_finish(struct kh_heap *heap, struct kh_span *span,
			 void *slot, const struct kh_meta *meta);
/* Owner bookkeeping for a slab that was full or became empty. */
void kh_slab_settle(struct kh_heap *heap, struct kh_span *span);

/*
 * The common free: a valid, live, intact slot of a slab this thread owns.
 * Anything else (including every misuse) returns false untouched, for the
 * general path to sort out and report.
 *
 * The generation is ended with a compare-and-swap, not a load and a
 * store: a racing free of the same block by another thread (a double free
 * that is itself a data race in the program) must find it ended and be
 * reported, never succeed too and put the slot on two free lists. The
 * locked instruction is the price of that guarantee; tests/test_stress.c
 * races such frees and expects exactly one winner each time.
 */
static inline __attribute__((always_inline)) bool
kh_slab_free_local(struct kh_heap *heap, struct kh_span *span, void *ptr)
{
	uint32_t slot = kh_slab_slot(span, ptr);
	struct kh_meta *meta;
	uint32_t gen;

	if (unlikely(slot == KH_NO_SLOT || span->owner != heap ||
		     kh_slab_slot_start(span, slot) != ptr))
		return false;
	meta = &span->meta[slot];
	gen = __atomic_load_n(&meta->gen, __ATOMIC_RELAXED);
	if (unlikely(!kh_gen_live(gen) || !kh_canary_intact(ptr, meta->size) ||
		     !__atomic_compare_exchange_n(&meta->gen, &gen, gen + 1, false,
						  __ATOMIC_RELEASE, __ATOMIC_RELAXED)))
		return false;
	meta->link = span->free_head;
	span->free_head = slot;
	span->used--;
	/* An empty slab stays while it is the one allocated from. */
	if (unlikely(span->slot_size > KH_SLOT_CLEAR_INLINE || span->full ||
		     (span->used == 0 && heap->slabs[span->size_class] != span) ||
		     kh_profiling()))
		kh_slab_free_finish(heap, span, ptr, meta);
	else
		kh_slot_clear_small(ptr, span->slot_size);
	return true;
}

#endif /* KHEAP_SLAB_H */
