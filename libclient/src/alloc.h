/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - the allocation paths behind the public API, shared by the API,
 * the containers and the malloc replacement.
 */
#ifndef KHEAP_ALLOC_H
#define KHEAP_ALLOC_H

#include "heap.h"
#include "kheapclient.h"
#include "profile.h"
#include "slab.h"

/* Any size and alignment; kh_malloc inlines the common case. */
void *kh_allocate(size_t size, size_t alignment, uint32_t site);
/* Resize, keeping the data; the allocation moves when it must. */
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

#endif /* KHEAP_ALLOC_H */
