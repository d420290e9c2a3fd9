/* SPDX-License-Identifier: MIT */
/*
 * ref.c - checked references (kheap_ref, the library's smart pointers): an
 * allocation's original pointer plus the generation it had. Every access
 * re-finds the metadata from the pointer in O(1) and checks liveness and
 * bounds.
 *
 * A reference does not pin its allocation: a check racing with a free in
 * another thread is as undefined as the plain access would be.
 */
#include "free.h"
#include "report.h"

KH_API kheap_ref kheap_ref_of(const void *ptr)
{
	struct kh_block block;

	if (ptr == NULL || kh_find_live(ptr, &block, KHEAP_ERR_INVALID_REFERENCE,
					KHEAP_ERR_USE_AFTER_FREE) < 0)
		return (kheap_ref){ NULL, 0 };
	return (kheap_ref){ (void *)ptr, kh_gen(block.meta) };
}

/* The allocation @ref names, still at its generation, or a report. */
static int find_current(kheap_ref ref, struct kh_block *block)
{
	uint32_t gen;

	if (kh_lookup(ref.ptr, block) != KH_EXACT)
		return kh_report(KHEAP_ERR_USE_AFTER_FREE, ref.ptr, NULL, 0, 0,
				 0, 0);
	gen = kh_gen(block->meta);
	if (likely(gen == ref.gen))
		return 0;
	return kh_report(kh_gen_live(gen) ? KHEAP_ERR_STALE_REFERENCE
					  : KHEAP_ERR_USE_AFTER_FREE,
			 ref.ptr, block->start, block->size, block->meta->site,
			 0, 0);
}

KH_API bool kheap_ref_live(kheap_ref ref)
{
	struct kh_block block;

	return ref.ptr && kh_lookup(ref.ptr, &block) == KH_EXACT &&
	       kh_gen(block.meta) == ref.gen;
}

KH_API void *kheap_ref_at(kheap_ref ref, size_t offset, size_t length)
{
	struct kh_block block;

	if (find_current(ref, &block) < 0)
		return NULL;
	if (unlikely(offset > block.size || length > block.size - offset)) {
		kh_report(KHEAP_ERR_OUT_OF_BOUNDS, ref.ptr, block.start,
			  block.size, block.meta->site, offset, length);
		return NULL;
	}
	return block.start + offset;
}

KH_API void *kheap_ref_elem(kheap_ref ref, size_t index, size_t elem_size)
{
	size_t offset;

	if (__builtin_mul_overflow(index, elem_size, &offset))
		offset = SIZE_MAX;
	return kheap_ref_at(ref, offset, elem_size);
}
