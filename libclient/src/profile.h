/* SPDX-License-Identifier: MIT */
/*
 * profile.h - profiling: the checks the allocation paths inline, the
 * dispatch to the installed profilers, the log the built-in ones write to.
 *
 * Everything hangs on one global pointer, NULL while no profiler is
 * installed: that is the one predictable branch each call pays.
 */
#ifndef KHEAP_PROFILE_H
#define KHEAP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kheapclient.h"

/* An immutable list of the installed profilers, replaced as a whole. */
struct kh_profilers {
	unsigned count;
	struct kheap_profiler list[KHEAP_MAX_PROFILERS];
};

/* The installed profilers, or NULL when there are none. */
extern const struct kh_profilers *kh_profilers KH_HIDDEN;

static inline bool kh_profiling(void)
{
	return unlikely(__atomic_load_n(&kh_profilers, __ATOMIC_RELAXED) != NULL);
}

/* Out of line: tell every profiler. Site ids as in kh_site_id(). */
void *kh_profile_report_allocated(void *ptr, size_t size, uint32_t site);
void kh_profile_report_freed(const void *ptr, size_t size, uint32_t site);
void kh_profile_report_resized(const void *old_ptr, size_t old_size,
			       uint32_t old_site, const void *ptr, size_t size,
			       uint32_t site);
void kh_profile_report_region(bool acquired, const void *base, size_t size);

/* Returns @ptr: allocation paths end in "return kh_profile_allocated()". */
static inline void *kh_profile_allocated(void *ptr, size_t size, uint32_t site)
{
	if (kh_profiling() && ptr != NULL)
		return kh_profile_report_allocated(ptr, size, site);
	return ptr;
}

static inline void kh_profile_freed(const void *ptr, size_t size, uint32_t site)
{
	if (kh_profiling())
		kh_profile_report_freed(ptr, size, site);
}

static inline void kh_profile_resized(const void *old_ptr, size_t old_size,
				      uint32_t old_site, const void *ptr,
				      size_t size, uint32_t site)
{
	if (kh_profiling())
		kh_profile_report_resized(old_ptr, old_size, old_site, ptr,
					  size, site);
}

static inline void kh_profile_region(bool acquired, const void *base,
				     size_t size)
{
	if (kh_profiling())
		kh_profile_report_region(acquired, base, size);
}

/*
 * Add @profiler to the installed ones under @key (what removes it again).
 * 0, or -1 with errno EEXIST (the key is installed) or ENOSPC.
 */
int kh_profile_install(const void *key, const struct kheap_profiler *profiler);

/* Fork: hold the registry lock across fork. */
void kh_profile_lock(void);
void kh_profile_unlock(void);

#endif /* KHEAP_PROFILE_H */
