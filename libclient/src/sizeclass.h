/* SPDX-License-Identifier: MIT */
/*
 * sizeclass.h - the small size classes: slot sizes of the slabs.
 */
#ifndef KHEAP_SIZECLASS_H
#define KHEAP_SIZECLASS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define KH_SMALL_CLASSES	32
#define KH_SMALL_MAX		8192u		/* largest slot */

extern const uint32_t kh_class_size[KH_SMALL_CLASSES] KH_HIDDEN;

/*
 * Size class of a slot of at least @bytes (1..KH_SMALL_MAX): 16-byte steps
 * up to 128, then four classes per doubling.
 */
static inline unsigned kh_size_class(size_t bytes)
{
	unsigned shift;

	if (bytes <= 128)
		return bytes ? (unsigned)((bytes - 1) >> 4) : 0;
	shift = kh_log2(bytes - 1) - 2;
	return 8 + (shift - 5) * 4 + (unsigned)((bytes - 1) >> shift) - 4;
}

#endif /* KHEAP_SIZECLASS_H */
