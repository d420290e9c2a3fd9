/* SPDX-License-Identifier: MIT */
/*
 * free.h - the free path and the checks every free, resize and reference
 * goes through: find the allocation a pointer names, check it is live and
 * its canary intact, end its generation, give it back to its tier.
 */
#ifndef KHEAP_FREE_H
#define KHEAP_FREE_H

#include "heap.h"
#include "kheapclient.h"
#include "pagemap.h"
#include "slab.h"
#include "span.h"

/* Everything but kh_free_as's common case: other tiers, other threads,
 * misuse. @span is what the page map says of @ptr. */
int kh_free_checked(void *ptr, struct kh_span *span, enum kh_family family);

/* Release @ptr, made by @family's calls: a slot of this thread's slab, or
 * the checked general path. */
static inline __attribute__((always_inline)) int
kh_free_as(void *ptr, enum kh_family family)
{
	struct kh_span *span = kh_pagemap_get(ptr);

	if (likely(span != NULL && span->ops == &kh_slab_ops &&
		   kh_slab_free_local(kh_thread_heap, span, ptr, family)))
		return 0;
	return kh_free_checked(ptr, span, family);
}

/* free. */
static inline __attribute__((always_inline)) int kh_free(void *ptr)
{
	return kh_free_as(ptr, KH_FAMILY_MALLOC);
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

/* 0 when the canary after live @block is intact, else the report's result. */
int kh_check_canary(const void *ptr, const struct kh_block *block);

/* 0 when live @block at @ptr was made by @family's calls; else the result
 * of reporting @released_by, the call that got it, as a mismatched free. */
int kh_check_family(const void *ptr, const struct kh_block *block,
		    enum kh_family family, const char *released_by);

/*
 * End the generation of live, checked @block at @ptr and give its memory
 * back to its tier; a free for the profilers when @profile. 0, or the
 * report's result when another free of it got there first.
 */
int kh_release(void *ptr, const struct kh_block *block, bool profile);

#endif /* KHEAP_FREE_H */
