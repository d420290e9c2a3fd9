/* SPDX-License-Identifier: MIT */
/*
 * pagemap.h - from any address to the span that owns its page, in O(1).
 *
 * A two-level radix table over 48-bit addresses at 4 KiB granularity.
 * Lookups are lock-free (two dependent loads); only span creation and
 * release write entries, for pages they own.
 */
#ifndef KHEAP_PAGEMAP_H
#define KHEAP_PAGEMAP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct kh_span;

#define KH_PAGEMAP_PAGE_SHIFT	12
#define KH_PAGEMAP_LEAF_BITS	18
#define KH_PAGEMAP_ROOT_BITS	(48 - KH_PAGEMAP_PAGE_SHIFT - KH_PAGEMAP_LEAF_BITS)

extern struct kh_span **kh_pagemap_root[1u << KH_PAGEMAP_ROOT_BITS] KH_HIDDEN;

static inline struct kh_span *kh_pagemap_get(const void *addr)
{
	uintptr_t page = (uintptr_t)addr >> KH_PAGEMAP_PAGE_SHIFT;
	struct kh_span **leaf;

	if (unlikely(page >> (KH_PAGEMAP_ROOT_BITS + KH_PAGEMAP_LEAF_BITS)))
		return NULL;
	leaf = __atomic_load_n(&kh_pagemap_root[page >> KH_PAGEMAP_LEAF_BITS],
			       __ATOMIC_ACQUIRE);
	if (unlikely(leaf == NULL))
		return NULL;
	return __atomic_load_n(&leaf[page & ((1u << KH_PAGEMAP_LEAF_BITS) - 1)],
			       __ATOMIC_ACQUIRE);
}

/* Point every page of [base, base + size) at @span (NULL to clear).
 * 0, or -1 with errno ENOMEM when a leaf cannot be mapped. */
int kh_pagemap_set(const void *base, size_t size, struct kh_span *span);

#endif /* KHEAP_PAGEMAP_H */
