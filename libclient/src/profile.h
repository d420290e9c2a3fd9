/* SPDX-License-Identifier: MIT */
/*
 * profile.h - profiling hooks. The allocation paths call these inline
 * checks; they cost a load and a branch while no profiler is installed.
 */
#ifndef KHEAP_PROFILE_H
#define KHEAP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kheap.h"

/* The installed profiler, or NULL. */
extern const struct kheap_profiler *kh_profiler;

/* Out of line: tell the profiler. Returns @ptr, for tail calls. */
void *kh_profile_report_allocated(void *ptr, size_t size, uint32_t site);
void kh_profile_report_freed(const void *ptr, size_t size);

static inline bool kh_profiling(void)
{
	return unlikely(__atomic_load_n(&kh_profiler, __ATOMIC_RELAXED) != NULL);
}

/* Returns @ptr: allocation paths end in "return kh_profile_allocated()". */
static inline void *kh_profile_allocated(void *ptr, size_t size, uint32_t site)
{
	if (kh_profiling() && ptr != NULL)
		return kh_profile_report_allocated(ptr, size, site);
	return ptr;
}

static inline void kh_profile_freed(const void *ptr, size_t size)
{
	if (kh_profiling())
		kh_profile_report_freed(ptr, size);
}

/* Install the built-in profiler KHEAP_PROFILE asks for, if any. */
void kh_profile_init(void);

#endif /* KHEAP_PROFILE_H */
