/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - the public allocation API: initialisation, dispatch by size to
 * slabs, the medium heap or large regions, and the checks every free and
 * resize goes through.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/random.h>

#include "alloc.h"
#include "heap.h"
#include "large.h"
#include "medium.h"
#include "metadata.h"
#include "pagemap.h"
#include "region.h"
#include "report.h"
#include "slab.h"

/* Sizes above this are refused outright, so size arithmetic cannot wrap. */
#define MAX_REQUEST	((size_t)1 << 47)

uint64_t kh_canary_secret;

/* ---- initialisation --------------------------------------------------------- */

enum init_state { NOT_STARTED, STARTED, FAILED };

static enum init_state init_state;
static int init_errno;
static pthread_mutex_t init_mutex = PTHREAD_MUTEX_INITIALIZER;

static void fork_prepare(void)
{
	kh_profile_lock();
	kh_site_lock();
	kh_heap_fork_prepare();
	kh_large_lock();
	kh_medium_lock();
	kh_region_lock();
	kh_metadata_lock();
}

static void fork_parent(void)
{
	kh_metadata_unlock();
	kh_region_unlock();
	kh_medium_unlock();
	kh_large_unlock();
	kh_heap_fork_parent();
	kh_site_unlock();
	kh_profile_unlock();
}

static void fork_child(void)
{
	kh_metadata_unlock();
	kh_region_fork_child();
	kh_region_unlock();
	kh_medium_unlock();
	kh_large_unlock();
	kh_heap_fork_child();
	kh_site_unlock();
	kh_profile_unlock();
}

static void seed_canaries(void)
{
	if (getrandom(&kh_canary_secret, sizeof(kh_canary_secret),
		      GRND_NONBLOCK) != sizeof(kh_canary_secret)) {
		const uint64_t *auxv_random = (const uint64_t *)getauxval(AT_RANDOM);

		kh_canary_secret = auxv_random ? auxv_random[1] : 0;
		kh_canary_secret ^= (uintptr_t)&kh_canary_secret;
	}
}

static int start(const struct kheap_options *options)
{
	static const struct kheap_options from_environment;

	if (options == NULL)
		options = &from_environment;
	if (kh_region_init(options) < 0) {
		init_state = FAILED;
		init_errno = errno;
		return -1;
	}
	kh_report_configure(options->on_error, options->hook,
			    options->hook_arg);
	seed_canaries();
	kh_medium_init();
	__atomic_store_n(&init_state, STARTED, __ATOMIC_RELEASE);
	/* Last: glibc may allocate here, which must find the library up. */
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	kh_profile_init();
	return 0;
}

int kh_library_init(void)
{
	int rc = 0;

	if (likely(__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == STARTED))
		return 0;
	pthread_mutex_lock(&init_mutex);
	if (init_state == NOT_STARTED)
		rc = start(NULL);
	else if (init_state == FAILED)
		rc = -1;
	pthread_mutex_unlock(&init_mutex);
	if (rc < 0)
		errno = init_errno;
	return rc;
}

KH_API int kheap_init(const struct kheap_options *options)
{
	int rc = -1, err = EBUSY;

	if (options == NULL)
		return kh_library_init();
	pthread_mutex_lock(&init_mutex);
	if (init_state == NOT_STARTED) {
		rc = start(options);
		err = init_errno;
	}
	pthread_mutex_unlock(&init_mutex);
	if (rc < 0)
		errno = err;
	return rc;
}

/* ---- allocation --------------------------------------------------------------- */

/* The first class at or above @size_class whose slots are @alignment
 * aligned (slabs start on a page), or KH_SMALL_CLASSES if none. */
static unsigned aligned_class(unsigned size_class, size_t alignment)
{
	if (alignment > kh_page_size)
		return KH_SMALL_CLASSES;
	while (size_class < KH_SMALL_CLASSES &&
	       kh_class_size[size_class] % alignment != 0)
		size_class++;
	return size_class;
}

static void *allocate_from(struct kh_heap *heap, size_t size,
			   size_t alignment, uint32_t site)
{
	if (likely(size <= KH_SMALL_MAX - KH_CANARY_SIZE)) {
		unsigned size_class = kh_size_class(size + KH_CANARY_SIZE);

		if (unlikely(alignment > KH_MIN_ALIGN))
			size_class = aligned_class(size_class, alignment);
		if (likely(size_class < KH_SMALL_CLASSES))
			return kh_slab_alloc(heap, size_class, size, site);
	}
	if (size + KH_CANARY_SIZE + alignment <= kh_medium_max)
		return kh_medium_alloc(heap->medium_arena, size, alignment,
				       site);
	return kh_large_alloc(size, alignment, site);
}

/* kh_allocate without telling the profilers. */
static void *allocate(size_t size, size_t alignment, uint32_t site)
{
	struct kh_heap *heap = kh_heap_get();

	if (unlikely(heap == NULL || size > MAX_REQUEST)) {
		errno = ENOMEM;
		return NULL;
	}
	return allocate_from(heap, size, alignment, site);
}

void *kh_allocate(size_t size, size_t alignment, uint32_t site)
{
	return kh_profile_allocated(allocate(size, alignment, site), size,
				    site);
}

/* ---- lookup and checks ---------------------------------------------------------- */

enum kh_lookup kh_lookup(const void *ptr, struct kh_block *block)
{
	struct kh_span *span = kh_pagemap_get(ptr);

	if (span == NULL)
		return kh_large_find_released(ptr, block) ? KH_EXACT : KH_UNKNOWN;
	switch (span->kind) {
	case KH_SPAN_SLAB:
		return kh_slab_lookup(span, ptr, block);
	case KH_SPAN_MEDIUM:
		return kh_medium_lookup(span, ptr, block);
	default:
		return kh_large_lookup(span, ptr, block);
	}
}

static int report_block(enum kheap_error kind, const void *ptr,
			const struct kh_block *block)
{
	return kh_report(kind, ptr, block->start, block->size,
			 block->meta->site, 0, 0);
}

int kh_find_live(const void *ptr, struct kh_block *block,
		 enum kheap_error invalid, enum kheap_error freed)
{
	uint32_t gen;

	switch (kh_lookup(ptr, block)) {
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

static int check_canary(const void *ptr, const struct kh_block *block)
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

/* End the allocation's generation and give its memory back; a free for
 * the profilers when @profile. */
static int release(void *ptr, const struct kh_block *block, bool profile)
{
	struct kh_span *span = block->span;
	uint32_t gen = kh_gen(block->meta);
	uint32_t ended = kh_gen_next(gen);

	/* A slab slot freed away from its owner is marked (slab.c). */
	if (span->kind == KH_SPAN_SLAB && span->owner != kh_thread_heap)
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
	switch (span->kind) {
	case KH_SPAN_SLAB:
		return kh_slab_release(block);
	case KH_SPAN_MEDIUM:
		kh_medium_release(block);
		break;
	default:
		kh_large_release(block);
	}
	return 0;
}

/* Everything but kh_free's common case: other tiers, other threads,
 * misuse. */
int kh_free_checked(void *ptr)
{
	struct kh_block block;

	if (ptr == NULL)
		return 0;
	if (unlikely(kh_find_live(ptr, &block, KHEAP_ERR_INVALID_FREE,
				  KHEAP_ERR_DOUBLE_FREE) < 0 ||
		     check_canary(ptr, &block) < 0))
		return -1;
	return release(ptr, &block, true);
}

static bool resize_in_place(const struct kh_block *block, size_t size)
{
	switch (block->span->kind) {
	case KH_SPAN_SLAB:
		return kh_slab_fits(block, size);
	case KH_SPAN_MEDIUM:
		return kh_medium_resize_in_place(block, size);
	default:
		return kh_large_resize_in_place(block, size);
	}
}

void *kh_resize(void *ptr, size_t size, uint32_t site)
{
	struct kh_block block;
	uint32_t old_site;
	void *moved;

	if (ptr == NULL)
		return kh_allocate(size, KH_MIN_ALIGN, site);
	if (kh_find_live(ptr, &block, KHEAP_ERR_INVALID_RESIZE,
			 KHEAP_ERR_RESIZE_AFTER_FREE) < 0 ||
	    check_canary(ptr, &block) < 0)
		return NULL;
	if (size > MAX_REQUEST) {
		errno = ENOMEM;
		return NULL;
	}
	old_site = block.meta->site;
	if (site == 0)
		site = old_site;
	if (resize_in_place(&block, size)) {
		block.meta->size = (uint32_t)size;
		block.meta->site = site;
		kh_canary_write(block.start, size);
		/* Still live, but handles to the old size are now stale. */
		__atomic_add_fetch(&block.meta->gen, 2, __ATOMIC_RELEASE);
		kh_profile_resized(ptr, block.size, old_site, ptr, size, site);
		return ptr;
	}
	moved = allocate(size, KH_MIN_ALIGN, site);
	if (moved == NULL)
		return NULL;
	memcpy(moved, ptr, size < block.size ? size : block.size);
	/* Told before the old block can be reused, as a free would be. */
	kh_profile_resized(ptr, block.size, old_site, moved, size, site);
	release(ptr, &block, false);
	return moved;
}

/* ---- public API ------------------------------------------------------------------ */

KH_API void *kheap_malloc(size_t size)
{
	return kh_malloc(size);
}

/* Free memory is kept zeroed, so nothing to clear here. */
KH_API void *kheap_calloc(size_t count, size_t size)
{
	return kheap_new_at(count, size, NULL);
}

KH_API void *kheap_realloc(void *ptr, size_t size)
{
	return kh_resize(ptr, size, 0);
}

KH_API void *kheap_aligned_alloc(size_t alignment, size_t size)
{
	if (alignment == 0 || (alignment & (alignment - 1)) ||
	    alignment > MAX_REQUEST) {
		errno = EINVAL;
		return NULL;
	}
	if (alignment < KH_MIN_ALIGN)
		alignment = KH_MIN_ALIGN;
	return kh_allocate(size, alignment, 0);
}

KH_API int kheap_free(void *ptr)
{
	return kh_free(ptr);
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
	return check_canary(ptr, &block);
}

KH_API void *kheap_new_at(size_t count, size_t elem_size,
			  const struct kheap_site *site)
{
	size_t size;

	if (__builtin_mul_overflow(count, elem_size, &size)) {
		errno = ENOMEM;
		return NULL;
	}
	return kh_allocate(size, KH_MIN_ALIGN, kh_site_id(site));
}

KH_API void *kheap_alt_at(void *ptr, size_t count, size_t elem_size,
			  const struct kheap_site *site)
{
	size_t size;

	if (__builtin_mul_overflow(count, elem_size, &size)) {
		errno = ENOMEM;
		return NULL;
	}
	return kh_resize(ptr, size, kh_site_id(site));
}

KH_API int kheap_del_at(void *ptr, const struct kheap_site *site)
{
	(void)site;	/* reports name where the memory was allocated */
	return kh_free(ptr);
}

KH_API void kheap_collect(void)
{
	struct kh_heap *heap = kh_thread_heap;

	if (heap != NULL)
		kh_slab_collect(heap);
}

KH_API void kheap_client_stats(struct kheap_client_stats *stats)
{
	kh_region_stats(stats);
	kh_medium_stats(stats);
}
