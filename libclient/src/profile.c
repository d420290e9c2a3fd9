/* SPDX-License-Identifier: MIT */
/*
 * profile.c - pluggable profiling: the hook registry and the built-in
 * summary profiler (KHEAP_PROFILE=summary).
 *
 * A profiler is installed as a whole: the hooks and their argument are
 * copied into one of two slots and published with one pointer store, so a
 * thread never sees the hooks of one profiler with the argument of another.
 * Replacing a profiler twice in quick succession while another thread is
 * inside a hook is the caller's race to avoid.
 */
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "report.h"

const struct kheap_profiler *kh_profiler;

static struct kheap_profiler slots[2];
static unsigned next_slot;

KH_API int kheap_set_profiler(const struct kheap_profiler *profiler)
{
	struct kheap_profiler *slot = NULL;

	if (profiler) {
		slot = &slots[next_slot];
		next_slot ^= 1;
		*slot = *profiler;
	}
	__atomic_store_n(&kh_profiler, slot, __ATOMIC_RELEASE);
	return 0;
}

void *kh_profile_report_allocated(void *ptr, size_t size, uint32_t site)
{
	const struct kheap_profiler *p = __atomic_load_n(&kh_profiler,
							 __ATOMIC_ACQUIRE);

	if (p && p->allocated)
		p->allocated(p->arg, ptr, size, kh_site(site));
	return ptr;
}

void kh_profile_report_freed(const void *ptr, size_t size)
{
	const struct kheap_profiler *p = __atomic_load_n(&kh_profiler,
							 __ATOMIC_ACQUIRE);

	if (p && p->freed)
		p->freed(p->arg, ptr, size);
}

/* ---- the summary profiler ------------------------------------------------- */

struct summary {
	size_t allocations, frees, bytes, live, peak;
};

static struct summary summary;

static void summary_allocated(void *arg, const void *ptr, size_t size,
			      const struct kheap_site *site)
{
	struct summary *s = arg;
	size_t live = __atomic_add_fetch(&s->live, size, __ATOMIC_RELAXED);
	size_t peak = __atomic_load_n(&s->peak, __ATOMIC_RELAXED);

	(void)ptr;
	(void)site;
	__atomic_add_fetch(&s->allocations, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->bytes, size, __ATOMIC_RELAXED);
	while (live > peak &&
	       !__atomic_compare_exchange_n(&s->peak, &peak, live, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void summary_freed(void *arg, const void *ptr, size_t size)
{
	struct summary *s = arg;

	(void)ptr;
	__atomic_add_fetch(&s->frees, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&s->live, size, __ATOMIC_RELAXED);
}

static void summary_print(void)
{
	kh_print("kheap: profile: %zu allocations, %zu frees, %zu bytes "
		 "allocated, peak %zu bytes live, %zu bytes live at exit",
		 summary.allocations, summary.frees, summary.bytes,
		 summary.peak, summary.live);
}

void kh_profile_init(void)
{
	const char *env = getenv("KHEAP_PROFILE");
	static const struct kheap_profiler summary_profiler = {
		.allocated = summary_allocated,
		.freed = summary_freed,
		.arg = &summary,
	};

	if (env == NULL || *env == '\0')
		return;
	if (strcmp(env, "summary") != 0) {
		kh_print("kheap: KHEAP_PROFILE=%s: unknown profiler (use summary)",
			 env);
		return;
	}
	kheap_set_profiler(&summary_profiler);
	atexit(summary_print);
}
