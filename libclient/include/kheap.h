/* SPDX-License-Identifier: MIT */
/*
 * kheap.h - the public header under its first name, for programs written
 * before it became <kheapclient.h> (one name for the library's header, the
 * kernel's <linux/kheap.h> and the module's own being different things).
 * New code includes <kheapclient.h>.
 */
#ifndef KHEAP_H
#define KHEAP_H

#include "kheapclient.h"

/* The raw-region calls' first names: "get" and "put" are reference
 * counting in the kernel, which these calls are not. */
#define kheap_region_get(pages, region)	kheap_region_acquire(pages, region)
#define kheap_region_put(region)	kheap_region_release(region)

#endif /* KHEAP_H */
