/* SPDX-License-Identifier: MIT */
/*
 * region.c - the region cache between the allocator and the backend.
 *
 * Backend calls are system calls (ioctl + mmap for the device), so regions
 * of the standard span size are asked for in batches, and regions the
 * allocator gives back wait in a small cache. The cache only shrinks when it
 * passes a high mark, and then down to a low mark, so a workload oscillating
 * around one region does not call the backend on every step.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "profile.h"
#include "region.h"
#include "report.h"

#define CACHE_HIGH	256		/* shrink when more are cached... */
#define CACHE_LOW	128		/* ...down to this many */
#define CACHE_MAX_BYTES	(32u << 20)	/* at most this much idle... */
#define CACHED_REGION_MAX (8u << 20)	/* ...in regions up to this size */
#define BATCH		4		/* regions per backend round trip... */
#define BATCH_MAX_BYTES	(1u << 20)	/* ...for regions up to this size */

size_t kh_page_size;
size_t kh_max_region_bytes;

static const struct kh_backend *backend;
static struct kheap_backend_info backend_info;
static size_t limit_bytes;		/* 0: none */
static struct kheap_client_stats stats;	/* region counts, under region_lock */

static struct kh_region cache[CACHE_HIGH];
static size_t cache_count;		/* oldest first */
static size_t cache_bytes;

/* Every region handed out and not freed, for fork. */
static struct kh_region in_use = { .prev = &in_use, .next = &in_use };

static pthread_mutex_t region_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct kh_backend *backend_by_name(const char *name)
{
	if (strcmp(name, "device") == 0)
		return &kh_backend_device;
	if (strcmp(name, "anon") == 0)
		return &kh_backend_anon;
	return NULL;
}

int kh_region_init(const struct kheap_options *options)
{
	const struct kheap_backend_info *info = &backend_info;
	const char *env = getenv("KHEAP_BACKEND");

	switch (options->backend) {
	case KHEAP_BACKEND_DEVICE:
		backend = &kh_backend_device;
		break;
	case KHEAP_BACKEND_ANON:
		backend = &kh_backend_anon;
		break;
	default:
		backend = env && *env ? backend_by_name(env) : &kh_backend_device;
		if (backend == NULL) {
			kh_print("kheap: KHEAP_BACKEND=%s: unknown backend "
				 "(use device or anon)", env);
			errno = EINVAL;
			return -1;
		}
	}
	if (backend->open(&backend_info) < 0) {
		backend = NULL;
		return -1;
	}
	kh_page_size = info->page_size;
	kh_max_region_bytes = info->max_pages_per_region
		? info->max_pages_per_region * info->page_size : SIZE_MAX;
	limit_bytes = options->limit_bytes;
	return 0;
}

/* ---- backend calls with accounting (region_lock held) ------------------- */

static int backend_map(size_t size, size_t guard, struct kh_region *regions,
		       unsigned count)
{
	size_t bytes = size * count;

	if (limit_bytes && (bytes > limit_bytes ||
			    stats.region_bytes > limit_bytes - bytes)) {
		errno = ENOMEM;
		return -1;
	}
	if (backend->map(size / kh_page_size, guard, regions, count) < 0)
		return -1;
	for (unsigned i = 0; i < count; i++)
		kh_profile_region(true, regions[i].base, regions[i].size);
	stats.regions += count;
	stats.region_bytes += bytes;
	stats.backend_maps += count;
	return 0;
}

static void backend_unmap(const struct kh_region *regions, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		kh_profile_region(false, regions[i].base, regions[i].size);
	backend->unmap(regions, count);
	for (unsigned i = 0; i < count; i++)
		stats.region_bytes -= regions[i].size;
	stats.regions -= count;
	stats.backend_unmaps += count;
}

/* ---- the cache (region_lock held) --------------------------------------- */

static void cache_remove(size_t index)
{
	cache_bytes -= cache[index].size;
	memmove(&cache[index], &cache[index + 1],
		(cache_count - index - 1) * sizeof(cache[0]));
	cache_count--;
}

static void cache_add(const struct kh_region *region)
{
	cache[cache_count++] = *region;
	cache_bytes += region->size;
}

/* Give the oldest cached regions back, in one backend call. */
static void cache_shrink_to(size_t count)
{
	size_t drop = cache_count - count;

	if (cache_count <= count)
		return;
	backend_unmap(cache, (unsigned)drop);
	for (size_t i = 0; i < drop; i++)
		cache_bytes -= cache[i].size;
	memmove(cache, cache + drop, count * sizeof(cache[0]));
	cache_count = count;
}

/* The newest cached region of @size or, failing that, the smallest one
 * of up to @max_size; with guards if @guarded (a guarded region may serve
 * an unguarded request: its guards cost nothing). */
static bool cache_take(size_t size, size_t max_size, bool guarded,
		       struct kh_region *region)
{
	size_t best = cache_count;

	for (size_t i = cache_count; i-- > 0;) {
		if (guarded && cache[i].guard == 0)
			continue;
		if (cache[i].size == size) {
			best = i;
			break;
		}
		if (cache[i].size > size && cache[i].size <= max_size &&
		    (best == cache_count || cache[i].size < cache[best].size))
			best = i;
	}
	if (best == cache_count)
		return false;
	region->base = cache[best].base;
	region->size = cache[best].size;
	region->handle = cache[best].handle;
	region->guard = cache[best].guard;
	cache_remove(best);
	return true;
}

/*
 * A region of @size from the backend. Small ones come BATCH at a time, the
 * rest of the batch waiting in the cache; under a limit, idle cached
 * regions are given back first to make room.
 */
static int map_fresh(size_t size, size_t guard, struct kh_region *region)
{
	struct kh_region batch[BATCH];

	if (size <= BATCH_MAX_BYTES && cache_count + BATCH - 1 <= CACHE_HIGH &&
	    backend_map(size, guard, batch, BATCH) == 0) {
		region->base = batch[0].base;
		region->size = size;
		region->handle = batch[0].handle;
		region->guard = guard;
		for (unsigned i = 1; i < BATCH; i++)
			cache_add(&batch[i]);
		return 0;
	}
	while (backend_map(size, guard, region, 1) < 0) {
		if (cache_count == 0)
			return -1;
		cache_shrink_to(cache_count - 1);
	}
	return 0;
}

int kh_region_alloc(size_t size, size_t max_size, bool guarded,
		    struct kh_region *region)
{
	size_t guard = guarded ? kh_align_up(KH_GUARD_BYTES, kh_page_size) : 0;
	int rc = 0;

	kh_assert(size % kh_page_size == 0);
	if (size > kh_max_region_bytes) {
		errno = ENOMEM;
		return -1;
	}
	pthread_mutex_lock(&region_lock);
	if (!cache_take(size, max_size, guarded, region))
		rc = map_fresh(size, guard, region);
	if (rc == 0) {
		region->prev = &in_use;
		region->next = in_use.next;
		in_use.next->prev = region;
		in_use.next = region;
	}
	pthread_mutex_unlock(&region_lock);
	return rc;
}

void kh_region_free(struct kh_region *region, size_t dirty,
		    size_t dirty_bytes)
{
	bool keep = region->size <= CACHED_REGION_MAX;

	/* Outside the lock: clearing megabytes must not stop other threads. */
	if (keep)
		memset(region->base + dirty, 0, dirty_bytes);
	pthread_mutex_lock(&region_lock);
	region->prev->next = region->next;
	region->next->prev = region->prev;
	if (!keep) {
		backend_unmap(region, 1);
	} else {
		if (cache_count >= CACHE_HIGH)
			cache_shrink_to(CACHE_LOW);
		cache_add(region);
		while (cache_bytes > CACHE_MAX_BYTES)
			cache_shrink_to(cache_count - 1);
	}
	pthread_mutex_unlock(&region_lock);
}

void kh_region_stats(struct kheap_client_stats *out)
{
	pthread_mutex_lock(&region_lock);
	*out = stats;
	out->cached_regions = cache_count;
	pthread_mutex_unlock(&region_lock);
}

const struct kheap_backend_info *kh_region_backend_info(void)
{
	return &backend_info;
}

/* ---- regions that bypass the cache ---------------------------------------- */

int kh_region_alloc_uncached(size_t size, struct kh_region *region)
{
	int rc;

	pthread_mutex_lock(&region_lock);
	rc = backend_map(size, 0, region, 1);
	pthread_mutex_unlock(&region_lock);
	return rc;
}

void kh_region_free_uncached(const struct kh_region *region)
{
	pthread_mutex_lock(&region_lock);
	backend_unmap(region, 1);
	pthread_mutex_unlock(&region_lock);
}

/* ---- fork --------------------------------------------------------------- */

void kh_region_lock(void)
{
	pthread_mutex_lock(&region_lock);
}

void kh_region_unlock(void)
{
	pthread_mutex_unlock(&region_lock);
}

/* In the child, with region_lock held since the prepare handler. A region
 * that cannot be made private is unmapped by the backend (better a child
 * that faults than one writing the parent's heap): there is no way to
 * report from inside fork. */
void kh_region_fork_child(void)
{
	if (backend == NULL || backend->fork_child_reopen() < 0)
		return;
	for (struct kh_region *r = in_use.next; r != &in_use; r = r->next)
		backend->fork_child_privatize(r);
	for (size_t i = 0; i < cache_count; i++)
		backend->fork_child_privatize(&cache[i]);
}
