/* SPDX-License-Identifier: MIT */
/*
 * pagemap.c - the address-to-span table. Leaves are mapped on first use and
 * never freed: a stale lookup must read NULL, not fault.
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "pagemap.h"

#define LEAF_ENTRIES	(1u << KH_PAGEMAP_LEAF_BITS)

struct kh_span **kh_pagemap_root[1u << KH_PAGEMAP_ROOT_BITS];

static struct kh_span **leaf_for(uintptr_t page)
{
	struct kh_span ***slot = &kh_pagemap_root[page >> KH_PAGEMAP_LEAF_BITS];
	struct kh_span **leaf = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	struct kh_span **expected = NULL;

	if (leaf)
		return leaf;
	leaf = mmap(NULL, LEAF_ENTRIES * sizeof(*leaf), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (leaf == MAP_FAILED)
		return NULL;
	if (!__atomic_compare_exchange_n(slot, &expected, leaf, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* Another thread installed one first. */
		munmap(leaf, LEAF_ENTRIES * sizeof(*leaf));
		leaf = expected;
	}
	return leaf;
}

int kh_pagemap_set(const void *base, size_t size, struct kh_span *span)
{
	uintptr_t first = (uintptr_t)base >> KH_PAGEMAP_PAGE_SHIFT;
	uintptr_t end = ((uintptr_t)base + size + (1u << KH_PAGEMAP_PAGE_SHIFT) - 1)
			>> KH_PAGEMAP_PAGE_SHIFT;

	kh_assert(end <= (1ul << (KH_PAGEMAP_ROOT_BITS + KH_PAGEMAP_LEAF_BITS)));
	for (uintptr_t page = first; page < end; page++) {
		struct kh_span **leaf = leaf_for(page);

		if (leaf == NULL) {
			errno = ENOMEM;
			return -1;
		}
		__atomic_store_n(&leaf[page & (LEAF_ENTRIES - 1)], span,
				 __ATOMIC_RELEASE);
	}
	return 0;
}
