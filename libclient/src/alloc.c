/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - allocation: dispatch by size to this thread's slabs, the
 * medium heap or a large span of its own, and resize, which keeps the data
 * where the tier can and moves it where it cannot.
 */
#include <errno.h>

#include "alloc.h"
#include "free.h"
#include "init.h"
#include "large.h"
#include "medium.h"
#include "region.h"
#include "report.h"

/* Sizes above this are refused outright, so size arithmetic cannot wrap. */
#define MAX_REQUEST	((size_t)1 << 47)

/* ---- allocation ---------------------------------------------------------------- */

/* This thread's heap, starting the library first; NULL with errno set. */
static struct kh_heap *thread_heap(void)
{
	struct kh_heap *heap = kh_thread_heap;

	if (likely(heap != NULL))
		return heap;
	if (kh_library_init() < 0)
		return NULL;
	return kh_heap_attach();
}

/* The first class at or above @size_class whose slots are @alignment
 * aligned (slabs start on a page), or KH_SMALL_CLASSES if none. */
static unsigned aligned_class(unsigned size_class, size_t alignment)
{
	if (alignment > kh_page_size)
		return KH_SMALL_CLASSES;
	while (size_class < KH_SMALL_CLASSES &&
	       kh_class_size[size_class] % alignment != 0)
		size_class++;
	return size_class;
}

static void *allocate_from(struct kh_heap *heap, size_t size,
			   size_t alignment, uint32_t site)
{
	if (likely(size <= KH_SMALL_MAX - KH_CANARY_SIZE)) {
		unsigned size_class = kh_size_class(size + KH_CANARY_SIZE);

		if (unlikely(alignment > KH_MIN_ALIGN))
			size_class = aligned_class(size_class, alignment);
		if (likely(size_class < KH_SMALL_CLASSES))
			return kh_slab_alloc(heap, size_class, size, site);
	}
	if (size + KH_CANARY_SIZE + alignment <= kh_medium_max)
		return kh_medium_alloc(heap->medium_arena, size, alignment,
				       site);
	return kh_large_alloc(size, alignment, site);
}

/* kh_allocate without telling the profilers. */
static void *allocate(size_t size, size_t alignment, uint32_t site)
{
	struct kh_heap *heap = thread_heap();

	if (unlikely(heap == NULL || size > MAX_REQUEST)) {
		errno = ENOMEM;
		return NULL;
	}
	return allocate_from(heap, size, alignment, site);
}

void *kh_allocate(size_t size, size_t alignment, uint32_t site)
{
	return kh_profile_allocated(allocate(size, alignment, site), size,
				    site);
}

/* ---- resize ---------------------------------------------------------------------- */

void *kh_resize(void *ptr, size_t size, uint32_t site)
{
	struct kh_block block;
	uint32_t old_site;
	void *moved;

	if (ptr == NULL)
		return kh_allocate(size, KH_MIN_ALIGN, site);
	if (kh_find_live(ptr, &block, KHEAP_ERR_INVALID_RESIZE,
			 KHEAP_ERR_RESIZE_AFTER_FREE) < 0 ||
	    kh_check_canary(ptr, &block) < 0 ||
	    kh_check_family(ptr, &block, KH_FAMILY_MALLOC, "realloc") < 0)
		return NULL;
	if (size > MAX_REQUEST) {
		errno = ENOMEM;
		return NULL;
	}
	old_site = block.meta->site;
	if (site == 0)
		site = old_site;
	if (block.span->ops->resize_in_place(&block, size)) {
		block.meta->size = (uint32_t)size;
		block.meta->site = site;
		kh_canary_write(block.start, size);
		/* Still live, but references to the old size are now stale. */
		__atomic_add_fetch(&block.meta->gen, 2, __ATOMIC_RELEASE);
		kh_profile_resized(ptr, block.size, old_site, ptr, size, site);
		return ptr;
	}
	moved = allocate(size, KH_MIN_ALIGN, site);
	if (moved == NULL)
		return NULL;
	memcpy(moved, ptr, size < block.size ? size : block.size);
	/* Told before the old block can be reused, as a free would be. */
	kh_profile_resized(ptr, block.size, old_site, moved, size, site);
	kh_release(ptr, &block, false);
	return moved;
}

/* ---- public API ------------------------------------------------------------------ */

KH_API void *kheap_malloc(size_t size)
{
	return kh_malloc(size);
}

/* Free memory is kept zeroed, so nothing to clear here. */
KH_API void *kheap_calloc(size_t count, size_t size)
{
	return kheap_new_at(count, size, NULL);
}

KH_API void *kheap_realloc(void *ptr, size_t size)
{
	return kh_resize(ptr, size, 0);
}

/* @alignment a power of two (else EINVAL), at least KH_MIN_ALIGN. */
static void *allocate_aligned(size_t size, size_t alignment, uint32_t site)
{
	if (alignment == 0 || (alignment & (alignment - 1)) ||
	    alignment > MAX_REQUEST) {
		errno = EINVAL;
		return NULL;
	}
	if (alignment < KH_MIN_ALIGN)
		alignment = KH_MIN_ALIGN;
	return kh_allocate(size, alignment, site);
}

KH_API void *kheap_aligned_alloc(size_t alignment, size_t size)
{
	return allocate_aligned(size, alignment, 0);
}

KH_API void *kheap_cxx_new(size_t size, size_t alignment, bool array)
{
	return allocate_aligned(size, alignment,
				kh_site_word(0, array ? KH_FAMILY_NEW_ARRAY
						      : KH_FAMILY_NEW));
}

KH_API void *kheap_new_at(size_t count, size_t elem_size,
			  const struct kheap_site *site)
{
	size_t size;

	if (__builtin_mul_overflow(count, elem_size, &size)) {
		errno = ENOMEM;
		return NULL;
	}
	return kh_allocate(size, KH_MIN_ALIGN, kh_site_id(site));
}

KH_API void *kheap_alt_at(void *ptr, size_t count, size_t elem_size,
			  const struct kheap_site *site)
{
	size_t size;

	if (__builtin_mul_overflow(count, elem_size, &size)) {
		errno = ENOMEM;
		return NULL;
	}
	return kh_resize(ptr, size, kh_site_id(site));
}
