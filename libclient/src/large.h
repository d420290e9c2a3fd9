/* SPDX-License-Identifier: MIT */
/*
 * large.h - large allocations: one region each, aligned inside it if asked.
 */
#ifndef KHEAP_LARGE_H
#define KHEAP_LARGE_H

#include "span.h"

void *kh_large_alloc(size_t size, size_t alignment, uint32_t site);
/*
 * A large allocation's region goes back at free, so its pointer is unknown
 * afterwards. The last few freed ones are remembered (start, size, site,
 * ended generation) so that a second free is still called a double free.
 * Fills @block (span NULL) and returns true if @ptr is one of them.
 */
bool kh_large_find_released(const void *ptr, struct kh_block *block);

/*
 * A fault at @addr in a guard page of a live large block's region: fills
 * @hit and returns true. Async-signal-safe (no lock, no allocation).
 */
struct kh_guard_hit {
	const char *start;	/* the block */
	size_t size;
	uint32_t site;
	bool before;		/* the leading guard: an underflow */
};

bool kh_large_guard_hit(const void *addr, struct kh_guard_hit *hit);

/* Fork: hold the lock of the remembered frees across fork. */
void kh_large_lock(void);
void kh_large_unlock(void);

#endif /* KHEAP_LARGE_H */
