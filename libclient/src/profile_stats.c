/* SPDX-License-Identifier: MIT */
/*
 * profile_stats.c - the counting profilers: "summary" (one line of totals)
 * and "stats" (counters per size class). Formats in kheap.h.
 */
#include <stdio.h>

#include "medium.h"
#include "profile_builtin.h"
#include "sizeclass.h"

#define add(counter, n)	__atomic_add_fetch(&(counter), (n), __ATOMIC_RELAXED)
#define get(counter)	__atomic_load_n(&(counter), __ATOMIC_RELAXED)

/* ---- summary ------------------------------------------------------------------ */

static struct summary {
	size_t allocations, frees, bytes, live, peak;
} summary;

static void summary_allocated(void *arg, const void *ptr, size_t size,
			      const struct kheap_site *site)
{
	struct summary *s = arg;
	size_t live = add(s->live, size);
	size_t peak = get(s->peak);

	(void)ptr;
	(void)site;
	add(s->allocations, 1);
	add(s->bytes, size);
	while (live > peak &&
	       !__atomic_compare_exchange_n(&s->peak, &peak, live, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void summary_freed(void *arg, const void *ptr, size_t size,
			  const struct kheap_site *site)
{
	struct summary *s = arg;

	(void)ptr;
	(void)site;
	add(s->frees, 1);
	__atomic_sub_fetch(&s->live, size, __ATOMIC_RELAXED);
}

static void summary_report(void *arg)
{
	struct summary *s = arg;

	kh_log("kheap: profile: %zu allocations, %zu frees, %zu bytes "
	       "allocated, peak %zu bytes live, %zu bytes live at exit",
	       get(s->allocations), get(s->frees), get(s->bytes),
	       get(s->peak), get(s->live));
}

static const struct kheap_profiler summary_profiler = {
	.allocated = summary_allocated,
	.freed = summary_freed,
	.report = summary_report,
	.arg = &summary,
};

const struct kh_builtin_profiler kh_profile_summary = {
	"summary", &summary_profiler,
};

/* ---- stats ---------------------------------------------------------------------- */

#define CLASS_MEDIUM	KH_SMALL_CLASSES
#define CLASS_LARGE	(KH_SMALL_CLASSES + 1)
#define CLASSES		(KH_SMALL_CLASSES + 2)

static struct stats {
	size_t allocations, frees, resizes, acquired, released;
	struct { size_t in, out; } cls[CLASSES];
} stats;

/* The class a request of @size lands in (plain alignment). */
static unsigned class_of(size_t size)
{
	if (size <= KH_SMALL_MAX - KH_CANARY_SIZE)
		return kh_size_class(size + KH_CANARY_SIZE);
	if (size + KH_CANARY_SIZE + KH_MIN_ALIGN <= kh_medium_max)
		return CLASS_MEDIUM;
	return CLASS_LARGE;
}

static void stats_allocated(void *arg, const void *ptr, size_t size,
			    const struct kheap_site *site)
{
	struct stats *s = arg;

	(void)ptr;
	(void)site;
	add(s->allocations, 1);
	add(s->cls[class_of(size)].in, 1);
}

static void stats_freed(void *arg, const void *ptr, size_t size,
			const struct kheap_site *site)
{
	struct stats *s = arg;

	(void)ptr;
	(void)site;
	add(s->frees, 1);
	add(s->cls[class_of(size)].out, 1);
}

static void stats_resized(void *arg, const void *old_ptr, size_t old_size,
			  const struct kheap_site *old_site, const void *ptr,
			  size_t size, const struct kheap_site *site)
{
	struct stats *s = arg;

	(void)old_ptr;
	(void)old_site;
	(void)ptr;
	(void)site;
	add(s->resizes, 1);
	add(s->cls[class_of(old_size)].out, 1);
	add(s->cls[class_of(size)].in, 1);
}

static void stats_region_acquired(void *arg, const void *base, size_t size)
{
	struct stats *s = arg;

	(void)base;
	(void)size;
	add(s->acquired, 1);
}

static void stats_region_released(void *arg, const void *base, size_t size)
{
	struct stats *s = arg;

	(void)base;
	(void)size;
	add(s->released, 1);
}

static void stats_report(void *arg)
{
	struct stats *s = arg;

	kh_log("kheap: stats: %zu allocations, %zu frees, %zu resizes, "
	       "%zu regions acquired, %zu regions released",
	       get(s->allocations), get(s->frees), get(s->resizes),
	       get(s->acquired), get(s->released));
	for (unsigned c = 0; c < CLASSES; c++) {
		size_t in = get(s->cls[c].in), out = get(s->cls[c].out);
		char label[16];

		if (in == 0 && out == 0)
			continue;
		if (c < KH_SMALL_CLASSES)
			snprintf(label, sizeof(label), "%u", kh_class_size[c]);
		else
			snprintf(label, sizeof(label), "%s",
				 c == CLASS_MEDIUM ? "medium" : "large");
		/* Blocks from before the profiler can make "out" the larger. */
		kh_log("kheap: stats: class %s: %zu allocations, %zu frees, "
		       "%zu live", label, in, out, in > out ? in - out : 0);
	}
}

static const struct kheap_profiler stats_profiler = {
	.allocated = stats_allocated,
	.freed = stats_freed,
	.resized = stats_resized,
	.region_acquired = stats_region_acquired,
	.region_released = stats_region_released,
	.report = stats_report,
	.arg = &stats,
};

const struct kh_builtin_profiler kh_profile_stats = {
	"stats", &stats_profiler,
};
