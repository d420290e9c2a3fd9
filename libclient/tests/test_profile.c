/* SPDX-License-Identifier: MIT */
/*
 * test_profile - the profiler API: hooks see every allocation, resize,
 * free and backend region, with sizes and (for instrumented calls)
 * allocation sites; several profilers at once; the registry's errors.
 */
#define KHEAP_INSTRUMENT
#include <errno.h>
#include <string.h>

#include <kheapclient.h>

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

static void freed(void *arg, const void *ptr, size_t size,
		  const struct kheap_site *site)
{
	struct tally *t = arg;

	(void)site;
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

struct events {
	int resizes, acquired, released;
	const void *old_ptr, *ptr, *region;
	size_t old_size, size;
	const struct kheap_site *old_site, *site;
};

static void on_resized(void *arg, const void *old_ptr, size_t old_size,
		       const struct kheap_site *old_site, const void *ptr,
		       size_t size, const struct kheap_site *site)
{
	struct events *e = arg;

	e->resizes++;
	e->old_ptr = old_ptr;
	e->old_size = old_size;
	e->old_site = old_site;
	e->ptr = ptr;
	e->size = size;
	e->site = site;
}

static void on_acquired(void *arg, const void *base, size_t size)
{
	struct events *e = arg;

	(void)size;
	e->acquired++;
	e->region = base;
}

static void on_released(void *arg, const void *base, size_t size)
{
	struct events *e = arg;

	(void)size;
	e->released++;
	e->region = base;
}

TEST(resize_hook_gets_both_blocks_and_sites)
{
	struct events e = { 0 };
	const struct kheap_profiler p = { .resized = on_resized, .arg = &e };
	char *q;
	int line;

	CHECK(kheap_profiler_add(&p) == 0);
	q = kheap_malloc(100);
	const struct kheap_site *first = NULL;
	line = __LINE__ + 1;
	q = kheap_realloc(q, 5000);
	CHECK(e.resizes == 1 && e.old_size == 100 && e.size == 5000);
	CHECK(e.ptr == q && e.old_ptr != q);
	first = e.old_site;
	CHECK(first != NULL && first->line == line - 3);
	CHECK(e.site != NULL && e.site->line == line);
	CHECK(kheap_profiler_remove(&p) == 0);
	kheap_free(q);
	CHECK(e.resizes == 1);
}

TEST(region_hooks_see_the_backend)
{
	struct events e = { 0 };
	const struct kheap_profiler p = {
		.region_acquired = on_acquired,
		.region_released = on_released,
		.arg = &e,
	};
	struct kheap_region region;

	CHECK(kheap_profiler_add(&p) == 0);
	CHECK(kheap_region_acquire(3, &region) == 0);
	CHECK(e.acquired == 1 && e.region == region.base);
	kheap_region_release(&region);
	CHECK(e.released == 1 && e.region == region.base);
	CHECK(kheap_profiler_remove(&p) == 0);
}

TEST(several_profilers_and_the_registry)
{
	struct events e = { 0 };
	struct kheap_profiler many[KHEAP_MAX_PROFILERS + 1];
	const struct kheap_profiler p = { .resized = on_resized, .arg = &e };
	int added = 0;

	install();			/* kheap_set_profiler's slot */
	CHECK(kheap_profiler_add(&p) == 0);
	CHECK(kheap_profiler_add(&p) == -1 && errno == EEXIST);
	kheap_free(kheap_realloc(kheap_malloc(10), 20));
	/* No resized hook: a free and an allocation. */
	CHECK(tally.allocations == 2 && tally.frees == 2 && e.resizes == 1);
	CHECK(kheap_profiler_remove(&p) == 0);
	CHECK(kheap_profiler_remove(&p) == -1 && errno == ENOENT);
	CHECK(kheap_profiler_add(NULL) == -1 && errno == EINVAL);
	for (int i = 0; i <= KHEAP_MAX_PROFILERS; i++) {
		many[i] = p;
		if (kheap_profiler_add(&many[i]) == 0)
			added++;
		else
			CHECK(errno == ENOSPC);
	}
	CHECK(added == KHEAP_MAX_PROFILERS - 1);
	for (int i = 0; i < added; i++)
		CHECK(kheap_profiler_remove(&many[i]) == 0);
	kheap_set_profiler(NULL);
	CHECK(kheap_profile_enable("nosuch") == -1 && errno == EINVAL);
}

int main(void)
{
	if (kheap_init(NULL) < 0) {
		printf("Bail out! kheap_init: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	return tap_run();
}
