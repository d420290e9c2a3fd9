/* SPDX-License-Identifier: MIT */
/*
 * large.h - large allocations: one region each, aligned inside it if asked.
 */
#ifndef KHEAP_LARGE_H
#define KHEAP_LARGE_H

#include "span.h"

void *kh_large_alloc(size_t size, size_t alignment, uint32_t site);
enum kh_lookup kh_large_lookup(struct kh_span *span, const void *ptr,
			       struct kh_block *block);
void kh_large_release(const struct kh_block *block);
/*
 * A large allocation's region goes back at free, so its pointer is unknown
 * afterwards. The last few freed ones are remembered (start, size, site,
 * ended generation) so that a second free is still called a double free.
 * Fills @block (span NULL) and returns true if @ptr is one of them.
 */
bool kh_large_find_released(const void *ptr, struct kh_block *block);

/* Fork: hold the lock of the remembered frees across fork. */
void kh_large_lock(void);
void kh_large_unlock(void);

/* Resize within the region when it fits and would not waste half of it. */
bool kh_large_resize_in_place(const struct kh_block *block, size_t size);

#endif /* KHEAP_LARGE_H */
