/* SPDX-License-Identifier: MIT */
/*
 * profile_builtin.h - what the built-in profilers (profile_*.c) share: their
 * table entries, the log they write to, and site names.
 */
#ifndef KHEAP_PROFILE_BUILTIN_H
#define KHEAP_PROFILE_BUILTIN_H

#include "profile.h"

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

/* Install the built-in profilers KHEAP_PROFILE names, if any, and open
 * KHEAP_LOG. */
void kh_profile_init(void);

#endif /* KHEAP_PROFILE_BUILTIN_H */
