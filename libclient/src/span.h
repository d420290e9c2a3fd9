/* SPDX-License-Identifier: MIT */
/*
 * span.h - a span is one region in one role (slab, medium heap or a large
 * allocation), plus the out-of-line metadata of the allocations in it.
 * span.c creates and destroys spans for every tier; each tier says what its
 * spans do through a const operations table (struct kh_span_ops), so code
 * above the tiers never asks which tier a span belongs to.
 */
#ifndef KHEAP_SPAN_H
#define KHEAP_SPAN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "backend.h"
#include "config.h"

/*
 * Per-allocation metadata, found from the pointer without touching the
 * user's memory. The generation is odd while the allocation is live and
 * moves on at every free and resize, which is what references compare against.
 * Generation 0 means the slot was never handed out. Bit 31 is not part of
 * the count: a slab slot freed by a thread other than its owner carries it
 * until the owner takes the slot back (slab.c, "Frees from two threads").
 */
struct kh_meta {
	uint32_t gen;		/* atomic */
	uint32_t size;		/* requested bytes, kept after free for reports */
	uint32_t link;		/* slab: free-list link (slab.h); medium: boundary tag */
	uint32_t site;		/* allocation site id, 0 for none */
};

#define KH_GEN_REMOTE	0x80000000u

#define KH_NO_SLOT	UINT32_MAX

struct kh_heap;
struct kh_medium_arena;
struct kh_span_ops;

struct kh_span {
	struct kh_region region;
	struct kh_meta *meta;
	const struct kh_span_ops *ops;	/* the tier's: kh_slab_ops, ... */
	uint32_t meta_count;		/* entries in meta[] */

	/* slab: fixed-size slots, index = offset * slot_recip >> 32 */
	uint8_t size_class;
	bool full;			/* owner: not on the class list */
	uint32_t slot_size;
	uint32_t slot_recip;
	uint32_t capacity;
	uint32_t used;			/* owner: live slots incl. remote-freed */
	uint32_t free_head;		/* owner: free slots, via meta.link */
	uint32_t fresh;			/* owner: slots from here never used */
	struct kh_heap *owner;		/* the heap this slab belongs to */
	struct kh_span *prev, *next;	/* owner's class list */

	/* medium: the arena whose lock and free lists the region is in */
	struct kh_medium_arena *arena;

	/* large: where the allocation starts in the region (alignment) */
	size_t large_offset;
	size_t large_size;		/* meta.size is 32 bits */

	/*
	 * slab: written by other threads' frees. A cache line of their own,
	 * so that a remote free does not pull in the line the owner writes
	 * on every allocation.
	 */
	uint32_t remote_head __attribute__((aligned(64)));	/* atomic: slots
						 * freed by other threads */
	struct kh_span *remote_next;	/* owner's list of spans with remote frees */
};

/* A found allocation. */
struct kh_block {
	struct kh_span *span;
	struct kh_meta *meta;
	char *start;
	size_t size;		/* requested size (last one, if freed) */
	size_t room;		/* bytes from start the allocation may use */
};

enum kh_lookup {
	KH_UNKNOWN,		/* not in any span */
	KH_EXACT,		/* the start of a slot or block */
	KH_INTERIOR,		/* inside block (filled in) but not its start */
};

/* ---- what a tier's spans do ------------------------------------------------ */
struct kh_span_ops {
	/* Find the allocation @ptr (inside @span) points into. */
	enum kh_lookup (*lookup)(struct kh_span *span, const void *ptr,
				 struct kh_block *block);
	/*
	 * Give back @block, whose generation the caller just ended. 0, or
	 * the result of the report when the tier finds the free was a double
	 * free after all (slab.c, "Frees from two threads").
	 */
	int (*release)(const struct kh_block *block);
	/* Make @block hold @size bytes where it is; false: it must move. */
	bool (*resize_in_place)(const struct kh_block *block, size_t size);
	/*
	 * The tier's spans belong to one thread heap (span.owner), and a free
	 * by another thread ends the generation with KH_GEN_REMOTE.
	 */
	bool owned_by_thread;
	/* The tier's regions have guard pages before and after them. */
	bool guarded;
};

extern const struct kh_span_ops kh_slab_ops KH_HIDDEN;
extern const struct kh_span_ops kh_medium_ops KH_HIDDEN;
extern const struct kh_span_ops kh_large_ops KH_HIDDEN;

/*
 * A span like @proto (its tier's ops and fields) on a fresh zero region of
 * @bytes (a multiple of the page size; up to @max_bytes when the region
 * cache has such a one: kh_region_alloc), with @meta_count zeroed metadata
 * entries. The page map points at it only once it is complete, so that a
 * lookup of a stray pointer never finds a span half made. NULL with errno
 * ENOMEM.
 */
struct kh_span *kh_span_create(const struct kh_span *proto, size_t bytes,
			       size_t max_bytes, uint32_t meta_count);
/*
 * Undo kh_span_create. Bytes [@dirty, @dirty + @dirty_bytes) of the region
 * may hold data, all others must be zero: the region cache hands regions
 * out again as fresh (kh_region_free).
 */
void kh_span_destroy(struct kh_span *span, size_t dirty, size_t dirty_bytes);

static inline uint32_t kh_gen(const struct kh_meta *meta)
{
	return __atomic_load_n(&meta->gen, __ATOMIC_ACQUIRE);
}

static inline bool kh_gen_live(uint32_t gen)
{
	return gen & 1;
}

/* The generation after @gen: live after free, freed after live. */
static inline uint32_t kh_gen_next(uint32_t gen)
{
	return (gen + 1) & ~KH_GEN_REMOTE;
}

/* ---- canaries -------------------------------------------------------------
 * Eight bytes right after the requested size: a per-process secret mixed
 * with the address, so the canary of one block copied over another's does
 * not match. A write that happens to store the byte already there goes
 * unseen (1 in 256 for a random byte).
 */
extern uint64_t kh_canary_secret KH_HIDDEN;

static inline uint64_t kh_canary_value(const void *start)
{
	/* The first byte is never zero: an off-by-one NUL is always seen. */
	return (kh_canary_secret ^ (uintptr_t)start) | 1;
}

static inline void kh_canary_write(char *start, size_t size)
{
	uint64_t value = kh_canary_value(start);

	memcpy(start + size, &value, sizeof(value));
}

static inline bool kh_canary_intact(const char *start, size_t size)
{
	uint64_t value;

	memcpy(&value, start + size, sizeof(value));
	return value == kh_canary_value(start);
}

/* Mark @meta live for a new allocation of @size at @start. */
static inline void kh_meta_activate(struct kh_meta *meta, char *start,
				    size_t size, uint32_t site)
{
	meta->size = (uint32_t)size;
	meta->site = site;
	kh_canary_write(start, size);
	__atomic_store_n(&meta->gen, kh_gen_next(meta->gen), __ATOMIC_RELEASE);
}

#endif /* KHEAP_SPAN_H */
