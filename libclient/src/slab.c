/* SPDX-License-Identifier: MIT */
/*
 * slab.c - slab spans: creation, the allocation slow path, frees from the
 * owning thread and from others, and release of empty slabs.
 *
 * Ownership: only the owning heap's thread touches free_head, fresh, used,
 * the class lists and the slot caches. Another thread frees by pushing the
 * slot onto the span's remote stack (lock-free) and, when that stack was
 * empty, the span onto the owner heap's remote list. The owner collects
 * both when it runs out of slots, so no free ever waits for a lock.
 *
 * Frees from two threads. A free ends the slot's generation, and of two
 * frees of one block (a double free racing itself) only one may put the
 * slot on a list. Frees onto a list end it with a compare-and-swap, so
 * between them exactly one wins. The owner's free into its slot cache, the
 * common case, uses a plain store instead (a locked instruction there would
 * cost as much as the rest of malloc and free together), so it can win
 * alongside another thread's free: the slot is then in the cache and on the
 * remote stack at once. Two marks make that safe:
 *   - a free by another thread ends the generation with KH_GEN_REMOTE set,
 *     and the owner's plain store, landing after it, erases that bit;
 *   - a slot on the remote stack has its link marked (KH_LINK_REMOTE)
 *     until collected, and nothing lists a marked slot.
 * Collecting, the owner takes a slot whose generation lacks the bit as that
 * race: it reports the double free and leaves the slot where the cache put
 * it. Until then nobody can list the slot a second time: every list push
 * checks the mark first, after winning the generation, which makes the
 * pusher the only thread that may list the slot. So the report comes late,
 * from the owner, but every race is reported once and no slot is ever
 * handed out twice. (Should the slot, handed out again, be freed by another
 * thread just as the owner collects it, that free is reported too and the
 * slot is lost to the slab: a leak, after a reported misuse.)
 */
#include "heap.h"
#include "region.h"
#include "report.h"
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

	/*
	 * kh_slab_slot_at: with recip = ceil(2^32 / size) = (2^32 + e) / size
	 * and offset = q * size + r, offset * recip = q * 2^32 + q * e +
	 * r * recip. With offset < 2^16 and size <= 2^13, q * e < 2^16 <
	 * 2^19 <= recip and nothing carries into the high half, so the low
	 * half is below recip exactly when r = 0.
	 */
	kh_assert(bytes <= (1u << 16) && slot_size <= (1u << 13));
	return kh_span_create(&(struct kh_span){
		.ops = &kh_slab_ops,
		.size_class = (uint8_t)size_class,
		.slot_size = slot_size,
		.slot_recip = (uint32_t)(((1ull << 32) + slot_size - 1) /
					 slot_size),
		.capacity = capacity,
		.free_head = KH_NO_SLOT,
		.remote_head = KH_NO_SLOT,
		.owner = heap,
	}, bytes, bytes, capacity);
}

/*
 * Owner bookkeeping once slots came back (used already lowered): a full
 * slab rejoins its class list; an empty one that is not the one being
 * allocated from is kept as the class's spare if it has none, else
 * released. The spare stays on the list: it is allocated from once it
 * comes to the head. It spares a class whose live count swings by about
 * a slab's worth a slab created and destroyed at every swing.
 */
static void slab_settle(struct kh_heap *heap, struct kh_span *span)
{
	struct kh_span **list = &heap->slabs[span->size_class];
	struct kh_span **spare = &heap->spare_slabs[span->size_class];

	kh_assert(span->owner == heap && span->used < span->capacity);
	if (span->full) {
		span->full = false;
		list_push_second(list, span);
	}
	if (span->used == 0 && *list != span && *spare != span) {
		if (*spare == NULL) {
			*spare = span;
			return;
		}
		list_unlink(list, span);
		/* Every slot is free, hence zero: the region goes back as it came. */
		kh_span_destroy(span, 0, 0);
	}
}

/* ---- frees by the owner ------------------------------------------------------ */

/* Owner: @slot (free, cleared, on no list) onto the slab's free list. */
static void free_list_push(struct kh_span *span, uint32_t slot)
{
	span->meta[slot].link = span->free_head + 1;
	span->free_head = slot;
	span->used--;
}

static int report_double_free(const struct kh_span *span, uint32_t slot)
{
	const struct kh_meta *meta = &span->meta[slot];
	const char *start = kh_slab_slot_start(span, slot);

	return kh_report(KHEAP_ERR_DOUBLE_FREE, start, start, meta->size,
			 meta->site, 0, 0);
}

/*
 * Owner: put @slot, whose generation this thread just ended and which is
 * cleared, on its slab's free list. false when a racing double free left
 * it on the remote stack: it gets KH_GEN_REMOTE back, so that collecting
 * takes it as any slot another thread freed, and the caller reports.
 */
static bool push_local(struct kh_heap *heap, struct kh_span *span,
		       uint32_t slot)
{
	struct kh_meta *meta = &span->meta[slot];

	if (__atomic_load_n(&meta->link, __ATOMIC_RELAXED) != 0) {
		__atomic_store_n(&meta->gen, meta->gen | KH_GEN_REMOTE,
				 __ATOMIC_RELAXED);
		return false;
	}
	free_list_push(span, slot);
	slab_settle(heap, span);
	return true;
}

bool kh_slab_free_listed(struct kh_heap *heap, struct kh_span *span,
			 uint32_t slot, uint32_t gen)
{
	struct kh_meta *meta = &span->meta[slot];
	char *start = kh_slab_slot_start(span, slot);

	if (!__atomic_compare_exchange_n(&meta->gen, &gen, kh_gen_next(gen),
					 false, __ATOMIC_RELEASE,
					 __ATOMIC_RELAXED))
		return false;
	kh_profile_freed(start, meta->size, meta->site);
	/* before a release unmaps it */
	kh_block_clear(start, meta->size, span->slot_size);
	/* On the remote stack: the general path finds it freed and reports. */
	return push_local(heap, span, slot);
}

/* ---- remote frees ---------------------------------------------------------- */

/*
 * false when the slot is on the remote stack already. Having won the
 * generation, this thread is the only one that may list the slot; the one
 * change to its link it can race is the owner's collection unmarking it.
 */
static bool remote_push(struct kh_span *span, uint32_t slot)
{
	uint32_t *link = &span->meta[slot].link;
	struct kh_heap *owner = span->owner;
	struct kh_span *spans;
	uint32_t head;

	if (__atomic_load_n(link, __ATOMIC_ACQUIRE) != 0)
		return false;
	/*
	 * Acquire on success too: when the stack was empty, the owner's
	 * collection emptied it after reading span->remote_next, which this
	 * thread is about to write (pairs with the release there).
	 */
	head = __atomic_load_n(&span->remote_head, __ATOMIC_RELAXED);
	do
		__atomic_store_n(link, KH_LINK_REMOTE | (head + 1),
				 __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&span->remote_head, &head, slot,
					    true, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED));
	if (head != KH_NO_SLOT)
		return true;	/* the span is already on the owner's list */
	spans = __atomic_load_n(&owner->remote_spans, __ATOMIC_RELAXED);
	do
		span->remote_next = spans;
	while (!__atomic_compare_exchange_n(&owner->remote_spans, &spans, span,
					    true, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED));
	return true;
}

/*
 * Owner: one slot off the remote stack. A generation without KH_GEN_REMOTE
 * means this thread's own free raced the remote one: the slot is in the
 * slot cache (or handed out again from it) and stays there.
 */
static void collect_slot(struct kh_span *span, uint32_t slot)
{
	struct kh_meta *meta = &span->meta[slot];
	uint32_t gen = __atomic_load_n(&meta->gen, __ATOMIC_ACQUIRE);

	if (!(gen & KH_GEN_REMOTE)) {
		__atomic_store_n(&meta->link, 0, __ATOMIC_RELEASE);
		report_double_free(span, slot);
		return;
	}
	__atomic_store_n(&meta->gen, gen & ~KH_GEN_REMOTE, __ATOMIC_RELAXED);
	free_list_push(span, slot);
}

void kh_slab_collect(struct kh_heap *heap)
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

		while (slot != KH_NO_SLOT) {
			uint32_t link = __atomic_load_n(&span->meta[slot].link,
							__ATOMIC_RELAXED);

			collect_slot(span, slot);
			slot = (link & ~KH_LINK_REMOTE) - 1;
		}
		slab_settle(heap, span);
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

	/* Cached slots belong to the head, which is about to change. */
	kh_assert(heap->cached[size_class] == 0);
	kh_slab_collect(heap);
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
	if (span == heap->spare_slabs[size_class])
		heap->spare_slabs[size_class] = NULL;	/* in use again */
	return kh_slab_alloc(heap, size_class, size, site);
}

/* ---- lookup and free -------------------------------------------------------- */

static enum kh_lookup slab_lookup(struct kh_span *span, const void *ptr,
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

static int slab_release(const struct kh_block *block)
{
	struct kh_span *span = block->span;
	uint32_t slot = (uint32_t)(block->meta - span->meta);
	struct kh_heap *heap = kh_thread_heap;
	bool listed;

	kh_block_clear(block->start, block->size, span->slot_size);
	if (span->owner != heap)
		listed = remote_push(span, slot);
	else
		listed = push_local(heap, span, slot);
	return listed ? 0 : report_double_free(span, slot);
}

/* In place when @size fits the slot and the class would not shrink. */
static bool slab_resize_in_place(const struct kh_block *block, size_t size)
{
	if (size + KH_CANARY_SIZE > KH_SMALL_MAX ||
	    kh_size_class(size + KH_CANARY_SIZE) != block->span->size_class)
		return false;
	kh_shrink_clear(block->start, block->size, size, block->room);
	return true;
}

const struct kh_span_ops kh_slab_ops = {
	.lookup = slab_lookup,
	.release = slab_release,
	.resize_in_place = slab_resize_in_place,
	.owned_by_thread = true,
};
