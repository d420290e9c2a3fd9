/* SPDX-License-Identifier: MIT */
/*
 * slab.c - slab spans: creation, the allocation slow path, frees from the
 * owning thread and from others, and release of empty slabs.
 *
 * Ownership: only the owning heap's thread touches free_head, fresh, used
 * and the class lists. Another thread frees by pushing the slot onto the
 * span's remote stack (lock-free) and, when that stack was empty, the span
 * onto the owner heap's remote list. The owner drains both when it runs out
 * of slots, so no free ever waits for a lock.
 */
#include <errno.h>

#include "heap.h"
#include "metadata.h"
#include "pagemap.h"
#include "region.h"
#include "slab.h"

#define SLAB_SPAN_BYTES	(64u << 10)

const uint32_t kh_class_size[KH_SMALL_CLASSES] = {
	16, 32, 48, 64, 80, 96, 112, 128,
	160, 192, 224, 256, 320, 384, 448, 512,
	640, 768, 896, 1024, 1280, 1536, 1792, 2048,
	2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
};

static size_t slab_span_bytes(void)
{
	return kh_page_size > SLAB_SPAN_BYTES ? kh_page_size : SLAB_SPAN_BYTES;
}

/* ---- class lists (owner only) --------------------------------------------- */

static void list_unlink(struct kh_span **list, struct kh_span *span)
{
	if (span->prev)
		span->prev->next = span->next;
	else
		*list = span->next;
	if (span->next)
		span->next->prev = span->prev;
	span->prev = span->next = NULL;
}

static void list_push_head(struct kh_span **list, struct kh_span *span)
{
	span->prev = NULL;
	span->next = *list;
	if (*list)
		(*list)->prev = span;
	*list = span;
}

/* Second place: keeps the head, which allocation is busy emptying. */
static void list_push_second(struct kh_span **list, struct kh_span *span)
{
	struct kh_span *head = *list;

	if (head == NULL) {
		list_push_head(list, span);
		return;
	}
	span->prev = head;
	span->next = head->next;
	if (head->next)
		head->next->prev = span;
	head->next = span;
}

/* ---- span life ------------------------------------------------------------ */

static struct kh_span *slab_create(struct kh_heap *heap, unsigned size_class)
{
	uint32_t slot_size = kh_class_size[size_class];
	size_t bytes = slab_span_bytes();
	uint32_t capacity = (uint32_t)(bytes / slot_size);
	struct kh_span *span = kh_metadata_alloc(sizeof(*span));

	if (span == NULL)
		return NULL;
	span->meta = kh_metadata_alloc(capacity * sizeof(struct kh_meta));
	if (span->meta == NULL)
		goto fail_span;
	if (kh_region_alloc(bytes, &span->region) < 0)
		goto fail_meta;
	span->kind = KH_SPAN_SLAB;
	span->size_class = (uint8_t)size_class;
	span->slot_size = slot_size;
	span->slot_recip = (uint32_t)(((1ull << 32) + slot_size - 1) / slot_size);
	span->capacity = capacity;
	span->free_head = KH_NO_SLOT;
	span->remote_head = KH_NO_SLOT;
	span->owner = heap;
	if (kh_pagemap_set(span->region.base, bytes, span) < 0)
		goto fail_region;
	return span;

fail_region:
	kh_pagemap_set(span->region.base, bytes, NULL);
	kh_region_free(&span->region);
fail_meta:
	kh_metadata_free(span->meta, capacity * sizeof(struct kh_meta));
fail_span:
	kh_metadata_free(span, sizeof(*span));
	errno = ENOMEM;
	return NULL;
}

/* Every slot is free, hence zero: the region goes back as it came. */
static void slab_destroy(struct kh_span *span)
{
	kh_pagemap_set(span->region.base, span->region.size, NULL);
	kh_region_free(&span->region);
	kh_metadata_free(span->meta, span->capacity * sizeof(struct kh_meta));
	kh_metadata_free(span, sizeof(*span));
}

/*
 * Owner bookkeeping once slots came back (used already lowered): a full
 * slab rejoins its class list; an empty one that is not the one being
 * allocated from is released.
 */
void kh_slab_settle(struct kh_heap *heap, struct kh_span *span)
{
	struct kh_span **list = &heap->slabs[span->size_class];

	kh_assert(span->owner == heap && span->used < span->capacity);
	if (span->full) {
		span->full = false;
		list_push_second(list, span);
	}
	if (span->used == 0 && *list != span) {
		list_unlink(list, span);
		slab_destroy(span);
	}
}

void kh_slab_free_finish(struct kh_heap *heap, struct kh_span *span,
			 void *slot, const struct kh_meta *meta)
{
	kh_profile_freed(slot, meta->size, meta->site);
	memset(slot, 0, span->slot_size);	/* before a release unmaps it */
	kh_slab_settle(heap, span);
}

/* ---- remote frees ---------------------------------------------------------- */

static void remote_push(struct kh_span *span, uint32_t slot)
{
	uint32_t head = __atomic_load_n(&span->remote_head, __ATOMIC_RELAXED);
	struct kh_heap *owner = span->owner;
	struct kh_span *spans;

	/*
	 * Acquire on success too: when the stack was empty, the owner's
	 * drain emptied it after reading span->remote_next, which this
	 * thread is about to write (pairs with the release in the drain).
	 */
	do
		span->meta[slot].link = head;
	while (!__atomic_compare_exchange_n(&span->remote_head, &head, slot,
					    true, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED));
	if (head != KH_NO_SLOT)
		return;		/* the span is already on the owner's list */
	spans = __atomic_load_n(&owner->remote_spans, __ATOMIC_RELAXED);
	do
		span->remote_next = spans;
	while (!__atomic_compare_exchange_n(&owner->remote_spans, &spans, span,
					    true, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED));
}

/* Owner: take back every slot other threads freed. */
static void drain_remote_frees(struct kh_heap *heap)
{
	struct kh_span *span = __atomic_exchange_n(&heap->remote_spans, NULL,
						   __ATOMIC_ACQUIRE);

	while (span) {
		/*
		 * Read before the exchange below lets the span be re-pushed;
		 * the exchange releases the read to the next pusher.
		 */
		struct kh_span *next = span->remote_next;
		uint32_t slot = __atomic_exchange_n(&span->remote_head,
						    KH_NO_SLOT, __ATOMIC_ACQ_REL);
		uint32_t count = 0;

		while (slot != KH_NO_SLOT) {
			uint32_t following = span->meta[slot].link;

			span->meta[slot].link = span->free_head;
			span->free_head = slot;
			slot = following;
			count++;
		}
		span->used -= count;
		kh_slab_settle(heap, span);
		span = next;
	}
}

/* ---- allocation slow path -------------------------------------------------- */

static bool slab_has_room(const struct kh_span *span)
{
	return span->free_head != KH_NO_SLOT || span->fresh < span->capacity;
}

void *kh_slab_alloc_slow(struct kh_heap *heap, unsigned size_class,
			 size_t size, uint32_t site)
{
	struct kh_span **list = &heap->slabs[size_class];
	struct kh_span *span;

	drain_remote_frees(heap);
	/* Full slabs leave the list; they come back when a slot is freed. */
	while ((span = *list) != NULL && !slab_has_room(span)) {
		list_unlink(list, span);
		span->full = true;
	}
	if (span == NULL) {
		span = slab_create(heap, size_class);
		if (span == NULL)
			return NULL;
		list_push_head(list, span);
	}
	return kh_slab_alloc(heap, list, size_class, size, site);
}

/* ---- lookup and free -------------------------------------------------------- */

enum kh_lookup kh_slab_lookup(struct kh_span *span, const void *ptr,
			      struct kh_block *block)
{
	uint32_t slot = kh_slab_slot(span, ptr);

	if (slot == KH_NO_SLOT)
		return KH_UNKNOWN;
	block->span = span;
	block->meta = &span->meta[slot];
	block->start = kh_slab_slot_start(span, slot);
	block->size = block->meta->size;
	block->room = span->slot_size;
	return block->start == ptr ? KH_EXACT : KH_INTERIOR;
}

void kh_slab_release(const struct kh_block *block)
{
	struct kh_span *span = block->span;
	uint32_t slot = (uint32_t)(block->meta - span->meta);
	struct kh_heap *heap = kh_thread_heap;

	memset(block->start, 0, span->slot_size);
	if (span->owner != heap) {
		remote_push(span, slot);
		return;
	}
	block->meta->link = span->free_head;
	span->free_head = slot;
	span->used--;
	kh_slab_settle(heap, span);
}

bool kh_slab_fits(const struct kh_block *block, size_t size)
{
	return size + KH_CANARY_SIZE <= KH_SMALL_MAX &&
	       kh_size_class(size + KH_CANARY_SIZE) == block->span->size_class;
}
