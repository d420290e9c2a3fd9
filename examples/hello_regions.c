/* SPDX-License-Identifier: MIT */
/*
 * hello_regions - the layers of kheap, one step per line: which backend
 * serves regions, a region taken straight from it, and allocations the
 * library carves from regions of its own.
 *
 * Run with KHEAP_BACKEND=device (the default; needs kheap.ko) or =anon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kheapclient.h>

static int fail(const char *what)
{
	fprintf(stderr, "hello_regions: %s: %s\n", what, strerror(errno));
	return EXIT_FAILURE;
}

int main(void)
{
	struct kheap_backend_info info;
	struct kheap_region region;
	struct kheap_client_stats stats;
	char *small, *medium, *large;

	if (kheap_backend_info(&info) < 0)
		return fail("opening the backend");
	printf("backend: %s, page size %zu, ABI version %u, max pages per region %llu\n",
	       info.name, info.page_size, info.abi_version,
	       (unsigned long long)info.max_pages_per_region);

	if (kheap_region_acquire(4, &region) < 0)
		return fail("getting a region of 4 pages");
	printf("region: got %zu bytes at %p, handle 0x%llx\n", region.size,
	       region.base, (unsigned long long)region.handle);
	memset(region.base, 0xa5, region.size);
	printf("region: wrote all %zu bytes\n", region.size);
	kheap_region_release(&region);
	printf("region: gave it back\n");

	small = kheap_malloc(24);
	medium = kheap_malloc(40000);
	large = kheap_malloc(3 << 20);
	if (!small || !medium || !large)
		return fail("allocating");
	printf("allocate: 24 bytes at %p (slab)\n", (void *)small);
	printf("allocate: 40000 bytes at %p (medium heap)\n", (void *)medium);
	printf("allocate: 3 MiB at %p (a region of its own)\n", (void *)large);
	strcpy(small, "hello, regions");
	printf("use: small block says \"%s\"\n", small);

	kheap_client_stats(&stats);
	printf("stats: %zu regions (%zu bytes) held, %zu idle in the cache, "
	       "%zu asked of the backend\n", stats.regions, stats.region_bytes,
	       stats.cached_regions, stats.backend_maps);

	kheap_free(large);
	kheap_free(medium);
	kheap_free(small);
	kheap_client_stats(&stats);
	printf("free: all three; %zu regions held, %zu given back so far\n",
	       stats.regions, stats.backend_unmaps);
	printf("done\n");
	return EXIT_SUCCESS;
}
