/* SPDX-License-Identifier: MIT */
/*
 * span.c - the life of a span, the same for every tier: its descriptor and
 * metadata from the metadata allocator, its region from the region cache,
 * its pages in the page map. Tiers fill in the rest of the descriptor.
 */
#include <errno.h>

#include "metadata.h"
#include "pagemap.h"
#include "region.h"
#include "span.h"

struct kh_span *kh_span_create(const struct kh_span *proto, size_t bytes,
			       size_t max_bytes, uint32_t meta_count)
{
	struct kh_span *span = kh_metadata_alloc(sizeof(*span));

	if (span == NULL)
		return NULL;
	*span = *proto;
	span->meta = kh_metadata_alloc(meta_count * sizeof(struct kh_meta));
	if (span->meta == NULL)
		goto fail_span;
	if (kh_region_alloc(bytes, max_bytes, span->ops->guarded,
			    &span->region) < 0)
		goto fail_meta;
	span->meta_count = meta_count;
	/* All of it: the cache may have given more than @bytes, and a large
	 * block sits at the region's end. */
	if (kh_pagemap_set(span->region.base, span->region.size, span) < 0)
		goto fail_region;
	return span;

fail_region:
	kh_pagemap_set(span->region.base, span->region.size, NULL);
	kh_region_free(&span->region, 0, 0);
fail_meta:
	kh_metadata_free(span->meta, meta_count * sizeof(struct kh_meta));
fail_span:
	kh_metadata_free(span, sizeof(*span));
	errno = ENOMEM;
	return NULL;
}

void kh_span_destroy(struct kh_span *span, size_t dirty, size_t dirty_bytes)
{
	kh_pagemap_set(span->region.base, span->region.size, NULL);
	kh_region_free(&span->region, dirty, dirty_bytes);
	kh_metadata_free(span->meta, span->meta_count * sizeof(struct kh_meta));
	kh_metadata_free(span, sizeof(*span));
}
