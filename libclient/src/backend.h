/* SPDX-License-Identifier: MIT */
/*
 * backend.h - where regions (page runs mapped read/write) come from.
 *
 * Two backends share one interface: the kheap device (regions are owned by
 * the kernel module and mapped MAP_SHARED) and anonymous mmap (hosts without
 * the module). Neither caches anything; batching and hysteresis live in
 * region.c so both backends get them.
 */
#ifndef KHEAP_BACKEND_H
#define KHEAP_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct kheap_backend_info;

/* One mapped run of whole pages, as a backend handed it out. */
struct kh_region {
	char *base;
	size_t size;		/* bytes, a multiple of the backend page size */
	uint64_t handle;	/* backend's name for it (device: mmap offset) */
	size_t guard;		/* bytes of PROT_NONE before and after (guard.h) */
	struct kh_region *prev, *next;	/* region.c: all regions held */
};

struct kh_backend {
	const char *name;
	/* Open the backend; 0 or -1 with errno and a message printed. */
	int (*open)(struct kheap_backend_info *info);
	/* Map @count (at most 64) fresh, zeroed regions of @pages pages
	 * each, all or none, each between @guard bytes of guard pages (0:
	 * none); 0 or -1 with errno ENOMEM. */
	int (*map)(size_t pages, size_t guard, struct kh_region *regions,
		   unsigned count);
	/* Give regions back; their mappings (and guards) are gone afterwards. */
	void (*unmap)(const struct kh_region *regions, unsigned count);
	/*
	 * In a forked child: get a backend connection of the child's own,
	 * then make each region private to the child (contents kept).
	 */
	int (*fork_child_reopen)(void);
	int (*fork_child_privatize)(struct kh_region *region);
};

extern const struct kh_backend kh_backend_device KH_HIDDEN;
extern const struct kh_backend kh_backend_anon KH_HIDDEN;

#endif /* KHEAP_BACKEND_H */
