/* SPDX-License-Identifier: MIT */
/*
 * region.h - regions for the allocator: the chosen backend behind a cache
 * that asks in batches and gives back with hysteresis, plus the byte limit.
 */
#ifndef KHEAP_REGION_H
#define KHEAP_REGION_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "kheapclient.h"

/* Backend page size; valid after kh_region_init. */
extern size_t kh_page_size KH_HIDDEN;
/* Largest region the backend serves, in bytes (SIZE_MAX when unlimited). */
extern size_t kh_max_region_bytes KH_HIDDEN;

/* Open the backend chosen by @options or KHEAP_BACKEND. 0 or -1 + errno. */
int kh_region_init(const struct kheap_options *options);

/*
 * Fill @region (which must stay at its address until kh_region_free) with
 * a zeroed region of @size bytes, a multiple of kh_page_size, or of up to
 * @max_size if the cache has one; @guarded: with KH_GUARD_BYTES of guard
 * pages before and after it (region.guard), made with the region, so that
 * taking it from the cache costs no system call. 0, or -1 with errno ENOMEM.
 */
int kh_region_alloc(size_t size, size_t max_size, bool guarded,
		    struct kh_region *region);

/*
 * Guard bytes on each side of a guarded region: more than a page, since a
 * copy may not fault on its first byte past the end (glibc's large copies
 * store to four pages at a time), and address space is all they cost.
 */
#define KH_GUARD_BYTES	((size_t)64 << 10)
/*
 * Give @region back. Bytes [@dirty, @dirty + @dirty_bytes) may hold data,
 * all others must be zero: a region kept for reuse is cleared there first,
 * one that goes back to the backend is not cleared at all (its pages are
 * gone with it).
 */
void kh_region_free(struct kh_region *region, size_t dirty,
		    size_t dirty_bytes);

void kh_region_stats(struct kheap_client_stats *stats);
const struct kheap_backend_info *kh_region_backend_info(void);

/* Regions straight from the backend and back, accounted but never cached:
 * the public raw regions. */
int kh_region_alloc_uncached(size_t size, struct kh_region *region);
void kh_region_free_uncached(const struct kh_region *region);

/* Fork handling: lock, unlock, and make the child's regions its own. */
void kh_region_lock(void);
void kh_region_unlock(void);
void kh_region_fork_child(void);

#endif /* KHEAP_REGION_H */
