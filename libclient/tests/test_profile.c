/* SPDX-License-Identifier: MIT */
/*
 * test_profile - profiling hooks see every allocation, resize and free,
 * with sizes and (for instrumented macro calls) allocation sites.
 */
#define KHEAP_INSTRUMENT
#include <errno.h>
#include <string.h>

#include <kheap.h>

#include "tap.h"

struct tally {
	size_t allocations, frees, live;
	const void *last_ptr;
	const struct kheap_site *last_site;
};

static void allocated(void *arg, const void *ptr, size_t size,
		      const struct kheap_site *site)
{
	struct tally *t = arg;

	t->allocations++;
	t->live += size;
	t->last_ptr = ptr;
	t->last_site = site;
}

static void freed(void *arg, const void *ptr, size_t size)
{
	struct tally *t = arg;

	t->frees++;
	t->live -= size;
	t->last_ptr = ptr;
}

static struct tally tally;

static void install(void)
{
	struct kheap_profiler profiler = {
		.allocated = allocated,
		.freed = freed,
		.arg = &tally,
	};

	memset(&tally, 0, sizeof(tally));
	kheap_set_profiler(&profiler);
}

TEST(every_tier_is_reported)
{
	static const size_t sizes[] = { 1, 100, 5000, 50000, 2 << 20 };

	install();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = kheap_malloc(sizes[i]);

		CHECK(tally.allocations == i + 1 && tally.last_ptr == p);
		CHECK(tally.live == sizes[i]);
		kheap_free(p);
		CHECK(tally.frees == i + 1 && tally.live == 0);
	}
	kheap_set_profiler(NULL);
}

TEST(resizes_are_a_free_and_an_allocation)
{
	char *p;

	install();
	p = kheap_malloc(100);
	p = kheap_realloc(p, 104);		/* in place */
	CHECK(tally.allocations == 2 && tally.frees == 1 && tally.live == 104);
	p = kheap_realloc(p, 20000);		/* moves */
	CHECK(tally.allocations == 3 && tally.frees == 2 && tally.live == 20000);
	kheap_free(p);
	CHECK(tally.live == 0);
	kheap_set_profiler(NULL);
}

TEST(instrumented_calls_carry_their_site)
{
	int *p;

	install();
	kheap_new(p, 4, int);
	CHECK(tally.last_site != NULL && tally.last_site->line == __LINE__ - 1);
	CHECK(strcmp(tally.last_site->func, __func__) == 0);
	kheap_del(p);
	kheap_set_profiler(NULL);
}

TEST(removed_profiler_hears_nothing)
{
	install();
	kheap_set_profiler(NULL);
	kheap_free(kheap_malloc(10));
	CHECK(tally.allocations == 0 && tally.frees == 0);
}

int main(void)
{
	if (kheap_init(NULL) < 0) {
		printf("Bail out! kheap_init: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	return tap_run();
}
