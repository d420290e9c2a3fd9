/* SPDX-License-Identifier: MIT */
/*
 * test_guard - large blocks between guard pages: where a block sits in
 * its region, the guards around it, and that the region cache keeps them
 * so a loop of large allocations calls no backend. Runs on the backend
 * KHEAP_BACKEND names (anon on the host, the device in the VM).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kheapclient.h>

#include "tap.h"

static uintptr_t page(void)
{
	return (uintptr_t)sysconf(_SC_PAGESIZE);
}

/* Whether [@from, @to) is inside one PROT_NONE mapping. */
static bool is_guard(uintptr_t from, uintptr_t to)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	unsigned long start, end;
	char perms[5];
	bool found = false;

	while (maps && !found &&
	       fscanf(maps, "%lx-%lx %4s%*[^\n]", &start, &end, perms) == 3)
		found = start <= from && to <= end && strcmp(perms, "---p") == 0;
	if (maps)
		fclose(maps);
	return found;
}

/* The block ends on its region's last page, its canary included: the
 * trailing guard starts right after that page. */
static uintptr_t guard_after(const char *p, size_t size)
{
	return ((uintptr_t)p + size + 8 + page() - 1) & ~(page() - 1);
}

TEST(a_large_block_lies_between_guard_pages)
{
	size_t size = 300000;
	char *p = kheap_malloc(size);

	CHECK(p != NULL);
	CHECK(is_guard(guard_after(p, size), guard_after(p, size) + 65536));
	kheap_free(p);
	/* One that fills its region has the leading guard right before it. */
	size = (1u << 20) - 8;
	p = kheap_malloc(size);
	CHECK(p != NULL && (uintptr_t)p % page() == 0);
	CHECK(is_guard((uintptr_t)p - 65536, (uintptr_t)p));
	kheap_free(p);
}

TEST(a_block_in_a_larger_cached_region_is_found)
{
	char *big = kheap_malloc(3u << 20);
	char *p;

	kheap_free(big);
	/* Best fit: the cached 3 MiB region serves 2 MiB, its block at the
	 * end, past the 2 MiB asked for. */
	p = kheap_malloc(2u << 20);
	CHECK(p != NULL);
	CHECK(kheap_usable_size(p) == 2u << 20);
	CHECK(kheap_free(p) == 0);
}

TEST(a_loop_of_large_blocks_calls_no_backend)
{
	struct kheap_client_stats before, after;

	kheap_free(kheap_malloc(500000));
	kheap_client_stats(&before);
	for (int i = 0; i < 1000; i++) {
		char *p = kheap_malloc(500000 + (size_t)(i % 4) * 100);

		p[0] = p[499999] = 1;
		kheap_free(p);
	}
	kheap_client_stats(&after);
	CHECK(after.backend_maps == before.backend_maps);
	CHECK(after.backend_unmaps == before.backend_unmaps);
}

TEST(the_bytes_around_a_block_stay_zero_across_reuse)
{
	size_t size = 300000;
	char *p = kheap_malloc(size);
	char *q;

	memset(p, 0xa5, size);
	kheap_free(p);
	q = kheap_malloc(size - 5000);	/* same region, a page further on */
	CHECK(q != NULL);
	for (size_t i = 0; q && i < size - 5000; i++)
		if (q[i] != 0) {
			CHECK(!"reused memory is zero");
			break;
		}
	CHECK(kheap_free(q) == 0);
}

int main(void)
{
	return tap_run();
}
