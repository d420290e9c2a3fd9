/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - the allocator core behind the public API, shared by the API,
 * the handles, the containers and the malloc replacement.
 */
#ifndef KHEAP_ALLOC_H
#define KHEAP_ALLOC_H

#include "kheap.h"
#include "span.h"

/* Start the library from the environment if not started. 0 or -1. */
int kh_library_init(void);

void *kh_allocate(size_t size, size_t alignment, uint32_t site);
void *kh_resize(void *ptr, size_t size, uint32_t site);
int kh_free(void *ptr);

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
