/* SPDX-License-Identifier: MIT */
/*
 * region_api.c - the public calls about regions and the backend: raw
 * regions for programs that carve pages themselves, what the backend is,
 * and the library's region and medium-span counters.
 */
#include <errno.h>

#include "init.h"
#include "medium.h"
#include "region.h"

KH_API int kheap_backend_info(struct kheap_backend_info *info)
{
	if (kh_library_init() < 0)
		return -1;
	*info = *kh_region_backend_info();
	return 0;
}

KH_API int kheap_region_acquire(size_t pages, struct kheap_region *out)
{
	struct kh_region region;

	if (kh_library_init() < 0)
		return -1;
	if (pages == 0 || pages > kh_max_region_bytes / kh_page_size) {
		errno = pages ? ENOMEM : EINVAL;
		return -1;
	}
	if (kh_region_alloc_uncached(pages * kh_page_size, &region) < 0)
		return -1;
	*out = (struct kheap_region){ region.base, region.size, region.handle };
	return 0;
}

KH_API void kheap_region_release(const struct kheap_region *out)
{
	struct kh_region region = { .base = out->base, .size = out->size,
				    .handle = out->handle };

	kh_region_free_uncached(&region);
}

KH_API void kheap_client_stats(struct kheap_client_stats *stats)
{
	kh_region_stats(stats);
	kh_medium_stats(stats);
}
