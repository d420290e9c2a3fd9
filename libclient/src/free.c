/* SPDX-License-Identifier: MIT */
/*
 * free.c - freeing, and the checks on a pointer handed back: which
 * allocation it names (one page-map lookup, then the tier's), whether that
 * is live, whether its canary survived, and who wins when two threads free
 * it at once.
 */
#include "free.h"
#include "large.h"
#include "report.h"

/* ---- lookup and checks ----------------------------------------------------- */

static enum kh_lookup lookup_in(struct kh_span *span, const void *ptr,
				struct kh_block *block)
{
	if (span == NULL)
		return kh_large_find_released(ptr, block) ? KH_EXACT : KH_UNKNOWN;
	return span->ops->lookup(span, ptr, block);
}

enum kh_lookup kh_lookup(const void *ptr, struct kh_block *block)
{
	return lookup_in(kh_pagemap_get(ptr), ptr, block);
}

static int report_block(enum kheap_error kind, const void *ptr,
			const struct kh_block *block)
{
	return kh_report(kind, ptr, block->start, block->size,
			 block->meta->site, 0, 0);
}

static int find_live_in(struct kh_span *span, const void *ptr,
			struct kh_block *block, enum kheap_error invalid,
			enum kheap_error freed)
{
	uint32_t gen;

	switch (lookup_in(span, ptr, block)) {
	case KH_UNKNOWN:
		return kh_report(invalid, ptr, NULL, 0, 0, 0, 0);
	case KH_INTERIOR:
		return report_block(invalid, ptr, block);
	case KH_EXACT:
		break;
	}
	gen = kh_gen(block->meta);
	if (likely(kh_gen_live(gen)))
		return 0;
	if (gen == 0)		/* a slot never handed out */
		return kh_report(invalid, ptr, NULL, 0, 0, 0, 0);
	return report_block(freed, ptr, block);
}

int kh_find_live(const void *ptr, struct kh_block *block,
		 enum kheap_error invalid, enum kheap_error freed)
{
	return find_live_in(kh_pagemap_get(ptr), ptr, block, invalid, freed);
}

int kh_check_canary(const void *ptr, const struct kh_block *block)
{
	if (likely(kh_canary_intact(block->start, block->size)))
		return 0;
	/*
	 * A block another thread freed (and cleared) since we found it live
	 * lost its canary to the clearing, not to an overflow: that is a
	 * double free racing the first one.
	 */
	if (!kh_gen_live(kh_gen(block->meta)))
		return report_block(KHEAP_ERR_DOUBLE_FREE, ptr, block);
	return report_block(KHEAP_ERR_HEAP_OVERFLOW, ptr, block);
}

int kh_check_family(const void *ptr, const struct kh_block *block,
		    enum kh_family family, const char *released_by)
{
	if (likely(kh_site_family(block->meta->site) == family))
		return 0;
	return kh_report_mismatch(ptr, block->size, block->meta->site,
				  released_by);
}

/* ---- free -------------------------------------------------------------------- */

/* The call that releases what each family allocates. */
static const char *const release_calls[] = {
	[KH_FAMILY_MALLOC] = "free",
	[KH_FAMILY_NEW] = "delete",
	[KH_FAMILY_NEW_ARRAY] = "delete[]",
};

int kh_release(void *ptr, const struct kh_block *block, bool profile)
{
	struct kh_span *span = block->span;
	uint32_t gen = kh_gen(block->meta);
	uint32_t ended = kh_gen_next(gen);

	/* A slot freed away from its owner thread is marked (slab.c). */
	if (span->ops->owned_by_thread && span->owner != kh_thread_heap)
		ended |= KH_GEN_REMOTE;
	/* Two threads freeing the same pointer: only one may win. */
	if (unlikely(!kh_gen_live(gen) ||
		     !__atomic_compare_exchange_n(&block->meta->gen, &gen,
						  ended, false,
						  __ATOMIC_ACQ_REL,
						  __ATOMIC_RELAXED)))
		return report_block(KHEAP_ERR_DOUBLE_FREE, ptr, block);
	if (profile)
		kh_profile_freed(ptr, block->size, block->meta->site);
	return span->ops->release(block);
}

int kh_free_checked(void *ptr, struct kh_span *span, enum kh_family family)
{
	struct kh_block block;

	if (ptr == NULL)
		return 0;
	if (unlikely(find_live_in(span, ptr, &block, KHEAP_ERR_INVALID_FREE,
				  KHEAP_ERR_DOUBLE_FREE) < 0 ||
		     kh_check_canary(ptr, &block) < 0 ||
		     kh_check_family(ptr, &block, family,
				     release_calls[family]) < 0))
		return -1;
	return kh_release(ptr, &block, true);
}

/* ---- public API ---------------------------------------------------------------- */

KH_API int kheap_free(void *ptr)
{
	return kh_free(ptr);
}

KH_API int kheap_del_at(void *ptr, const struct kheap_site *site)
{
	(void)site;	/* reports name where the memory was allocated */
	return kh_free(ptr);
}

KH_API int kheap_cxx_delete(void *ptr, bool array)
{
	return kh_free_as(ptr, array ? KH_FAMILY_NEW_ARRAY : KH_FAMILY_NEW);
}

KH_API size_t kheap_usable_size(const void *ptr)
{
	struct kh_block block;

	if (ptr == NULL || kh_find_live(ptr, &block, KHEAP_ERR_INVALID_REFERENCE,
					KHEAP_ERR_USE_AFTER_FREE) < 0)
		return 0;
	return block.size;
}

KH_API int kheap_check(const void *ptr)
{
	struct kh_block block;

	if (kh_find_live(ptr, &block, KHEAP_ERR_INVALID_REFERENCE,
			 KHEAP_ERR_USE_AFTER_FREE) < 0)
		return -1;
	return kh_check_canary(ptr, &block);
}

KH_API void kheap_collect(void)
{
	struct kh_heap *heap = kh_thread_heap;

	if (heap != NULL)
		kh_slab_collect(heap);
}
