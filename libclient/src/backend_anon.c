/* SPDX-License-Identifier: MIT */
/*
 * backend_anon.c - regions from anonymous private mmap, for hosts without
 * the kheap module. Same interface and zeroing guarantee as the device.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend.h"
#include "guard.h"
#include "kheapclient.h"

static size_t anon_page_size;

static int anon_open(struct kheap_backend_info *info)
{
	anon_page_size = (size_t)sysconf(_SC_PAGESIZE);
	*info = (struct kheap_backend_info){
		.name = "anon",
		.page_size = anon_page_size,
	};
	return 0;
}

static void anon_unmap(const struct kh_region *regions, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		kh_guard_unmap(regions[i].base, regions[i].size, regions[i].guard);
}

static int anon_map(size_t pages, size_t guard, struct kh_region *regions,
		    unsigned count)
{
	size_t size = pages * anon_page_size;

	for (unsigned i = 0; i < count; i++) {
		void *base = kh_guard_map(size, guard,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (base == MAP_FAILED) {
			anon_unmap(regions, i);
			errno = ENOMEM;
			return -1;
		}
		regions[i].base = base;
		regions[i].size = size;
		regions[i].handle = 0;
		regions[i].guard = guard;
	}
	return 0;
}

/* Private mappings are copied on write by fork itself. */
static int anon_fork_child_reopen(void)
{
	return 0;
}

static int anon_fork_child_privatize(struct kh_region *region)
{
	(void)region;
	return 0;
}

const struct kh_backend kh_backend_anon = {
	.name = "anon",
	.open = anon_open,
	.map = anon_map,
	.unmap = anon_unmap,
	.fork_child_reopen = anon_fork_child_reopen,
	.fork_child_privatize = anon_fork_child_privatize,
};
