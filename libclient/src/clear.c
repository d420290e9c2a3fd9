/* SPDX-License-Identifier: MIT */
/*
 * clear.c - the report of a freed block found written at its reuse.
 */
#include "clear.h"
#include "report.h"

void *kh_alloc_written(char *start, size_t size, struct kh_meta *meta,
		       size_t alloc_size, uint32_t site)
{
	const char *byte = start;

	while (byte < start + size - 1 && *byte == 0)
		byte++;
	kh_report(KHEAP_ERR_WRITE_AFTER_FREE, byte, start, meta->size,
		  meta->site, 0, 0);
	memset(start, 0, size);
	kh_meta_activate(meta, start, alloc_size, site);
	return start;
}
