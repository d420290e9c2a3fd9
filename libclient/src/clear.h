/* SPDX-License-Identifier: MIT */
/*
 * clear.h - freed memory is zero: clearing it at free, and checking at
 * reuse that it still is. A freed block that is no longer zero when it is
 * handed out again was written after its free (or by an overflow past its
 * neighbour): that is reported, never handed out as it is.
 */
#ifndef KHEAP_CLEAR_H
#define KHEAP_CLEAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "span.h"

typedef uint64_t kh_chunk __attribute__((vector_size(16), may_alias));

/* Slots up to this size are cleared and checked inline, whole. */
#define KH_SLOT_INLINE		128u
/* Of a larger block, the first this many bytes are checked at reuse... */
#define KH_CHECK_HEAD		64u
/* ...and the last this many. */
#define KH_CHECK_TAIL		16u

/*
 * memset(slot, 0, size) for slots (16-byte multiples); the small ones
 * without the call: overlapping 16-byte stores from both ends, as memset
 * itself does.
 */
static inline void kh_slot_clear(void *slot, size_t size)
{
	const kh_chunk zero = { 0, 0 };
	char *p = slot, *end = p + size;

	if (size > KH_SLOT_INLINE) {
		memset(slot, 0, size);
		return;
	}
	*(kh_chunk *)p = zero;
	*(kh_chunk *)(end - 16) = zero;
	if (size <= 32)
		return;
	*(kh_chunk *)(p + 16) = zero;
	*(kh_chunk *)(end - 32) = zero;
	if (size <= 64)
		return;
	*(kh_chunk *)(p + 32) = zero;
	*(kh_chunk *)(end - 48) = zero;
	if (size <= 96)
		return;
	*(kh_chunk *)(p + 48) = zero;
	*(kh_chunk *)(end - 64) = zero;
}

/*
 * Clear freed block @p of @room bytes, whose allocation asked for @size:
 * the bytes it asked for and its canary. The rest of the room is zero
 * already: nothing but an overflow past the canary writes there, and
 * resizing in place clears what a shrink leaves behind (kh_shrink_clear).
 * Slots up to KH_SLOT_INLINE are cleared whole, which costs no more.
 */
static inline void kh_block_clear(void *p, size_t size, size_t room)
{
	if (room <= KH_SLOT_INLINE)
		kh_slot_clear(p, room);
	else
		memset(p, 0, kh_align_up(size + KH_CANARY_SIZE, 16));
}

/*
 * A live block at @start shrinking in place from @old_size to @size
 * bytes, keeping @room: what its old size and canary used past the new
 * canary goes back to zero, so that freeing it clears what it asked for.
 */
static inline void kh_shrink_clear(char *start, size_t old_size, size_t size,
				   size_t room)
{
	size_t from = size + KH_CANARY_SIZE, to = old_size + KH_CANARY_SIZE;

	if (to > room)
		to = room;
	if (from < to)
		memset(start + from, 0, to - from);
}

/* The OR of @size (16 to KH_SLOT_INLINE, a multiple of 16) bytes at @p. */
static inline kh_chunk kh_chunks_or(const char *p, size_t size)
{
	const char *end = p + size;
	kh_chunk acc = *(const kh_chunk *)p | *(const kh_chunk *)(end - 16);

	if (size <= 32)
		return acc;
	acc |= *(const kh_chunk *)(p + 16) | *(const kh_chunk *)(end - 32);
	if (size <= 64)
		return acc;
	acc |= *(const kh_chunk *)(p + 32) | *(const kh_chunk *)(end - 48);
	if (size <= 96)
		return acc;
	return acc | *(const kh_chunk *)(p + 48) | *(const kh_chunk *)(end - 64);
}

/*
 * Whether freed block @p of @size bytes (a multiple of 16) still reads as
 * zero: all of it up to KH_SLOT_INLINE bytes, else its first KH_CHECK_HEAD
 * and last KH_CHECK_TAIL bytes, a bounded cost for any size (every byte
 * with KHEAP_DEBUG=2).
 */
static inline bool kh_still_clear(const void *p, size_t size)
{
	kh_chunk acc;

	if (KHEAP_DEBUG >= 2) {		/* every byte */
		for (size_t i = 0; i < size; i++)
			if (((const char *)p)[i])
				return false;
		return true;
	}
	if (size <= KH_SLOT_INLINE) {
		acc = kh_chunks_or(p, size);
	} else {
		acc = kh_chunks_or(p, KH_CHECK_HEAD) |
		      kh_chunks_or((const char *)p + size - KH_CHECK_TAIL,
				   KH_CHECK_TAIL);
	}
	return (acc[0] | acc[1]) == 0;
}

/*
 * Report the write found in freed block @start of @size bytes, whose last
 * allocation @meta describes; if the report returns, clear the block and
 * hand it out after all, for @alloc_size bytes at @site. Out of line and
 * last, so that the allocation fast path that calls it keeps nothing live
 * across a call.
 */
void *kh_alloc_written(char *start, size_t size, struct kh_meta *meta,
		       size_t alloc_size, uint32_t site) __attribute__((cold));

#endif /* KHEAP_CLEAR_H */
