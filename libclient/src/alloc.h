/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - the allocator core behind the public API, shared by the API,
 * the handles, the containers and the malloc replacement.
 */
#ifndef KHEAP_ALLOC_H
#define KHEAP_ALLOC_H

#include <errno.h>

#include "heap.h"
#include "kheap.h"
#include "pagemap.h"
#include "profile.h"
#include "slab.h"
#include "span.h"

/* Start the library from the environment if not started. 0 or -1. */
int kh_library_init(void);

/* Any size and alignment; the paths kh_malloc and kh_free inline are the
 * common case of these. */
void *kh_allocate(size_t size, size_t alignment, uint32_t site);
int kh_free_checked(void *ptr);
void *kh_resize(void *ptr, size_t size, uint32_t site);

/* malloc: a small size from this thread's slab, or kh_allocate. */
static inline __attribute__((always_inline)) void *kh_malloc(size_t size)
{
	struct kh_heap *heap = kh_thread_heap;
	unsigned size_class;
	void *ptr;

	if (unlikely(heap == NULL || size > KH_SMALL_MAX - KH_CANARY_SIZE))
		return kh_allocate(size, KH_MIN_ALIGN, 0);
	size_class = kh_size_class(size + KH_CANARY_SIZE);
	ptr = kh_slab_alloc(heap, size_class, size, 0);
	if (kh_profiling())
		return kh_profile_allocated(ptr, size, 0);
	return ptr;
}

/* free: a slot of this thread's slab, or the checked general path. */
static inline __attribute__((always_inline)) int kh_free(void *ptr)
{
	struct kh_span *span = kh_pagemap_get(ptr);

	if (likely(span != NULL && span->kind == KH_SPAN_SLAB &&
		   kh_slab_free_local(kh_thread_heap, span, ptr)))
		return 0;
	return kh_free_checked(ptr);
}

/* Find the allocation @ptr points into. */
enum kh_lookup kh_lookup(const void *ptr, struct kh_block *block);

/*
 * Find the live allocation that starts at @ptr, or report: @invalid when
 * @ptr is no allocation's start, @freed when the allocation is not live.
 * 0, or -1 after a report that returned.
 */
int kh_find_live(const void *ptr, struct kh_block *block,
		 enum kheap_error invalid, enum kheap_error freed);

#endif /* KHEAP_ALLOC_H */
