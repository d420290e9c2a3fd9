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
#include "kheap.h"

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

/* Install the built-in profilers KHEAP_PROFILE names, if any. */
void kh_profile_init(void);

/* Fork: hold the registry lock across fork. */
void kh_profile_lock(void);
void kh_profile_unlock(void);

/* ---- for the built-in profilers ------------------------------------------ */

struct kh_builtin_profiler {
	const char *name;
	const struct kheap_profiler *profiler;
};

extern const struct kh_builtin_profiler kh_profile_summary, kh_profile_stats,
	kh_profile_histogram, kh_profile_sites, kh_profile_leaks,
	kh_profile_trace;

/* One line (newline added) to the log: KHEAP_LOG, else stderr. Never
 * allocates. */
void kh_log(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Write @len bytes as they are to the log. */
void kh_log_write(const char *text, size_t len);
/* KHEAP_LOG, or NULL for stderr. */
const char *kh_log_path(void);

/* The site of an id, NULL for none; "<file>:<line> in <func>()" or
 * "(no site)" into @buf. */
const char *kh_profile_site_name(const struct kheap_site *site, char *buf,
				 size_t cap);

#endif /* KHEAP_PROFILE_H */
