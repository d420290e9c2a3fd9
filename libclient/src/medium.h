/* SPDX-License-Identifier: MIT */
/*
 * medium.h - medium allocations: blocks of 256-byte granules carved from
 * medium spans by a two-level segregated fit (TLSF): O(1) search, split,
 * and coalescing with both neighbours through out-of-line boundary tags.
 */
#ifndef KHEAP_MEDIUM_H
#define KHEAP_MEDIUM_H

#include "kheapclient.h"
#include "span.h"

/* Independent medium heaps; each thread heap uses one (kh_heap). */
#define KH_MEDIUM_ARENAS	8

/* Largest size (with canary and alignment slack) served; set at init. */
extern size_t kh_medium_max KH_HIDDEN;

void kh_medium_init(void);
void *kh_medium_alloc(unsigned arena, size_t size, size_t alignment,
		      uint32_t site);

/* Fill the medium_* fields of @stats. */
void kh_medium_stats(struct kheap_client_stats *stats);

void kh_medium_lock(void);
void kh_medium_unlock(void);

#endif /* KHEAP_MEDIUM_H */
