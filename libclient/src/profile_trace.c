/* SPDX-License-Identifier: MIT */
/*
 * profile_trace.c - the "trace" profiler: one line per event in the log,
 * written with one write(2) as it happens. Format in kheap.h.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "profile_builtin.h"

static struct timespec start;
static __thread long thread_id
	__attribute__((tls_model("initial-exec")));

static long tid(void)
{
	if (thread_id == 0)
		thread_id = syscall(SYS_gettid);
	return thread_id;
}

/* A line: time, thread, event, address, size, and what @format adds. */
static void event(const char *name, const void *ptr, size_t size,
		  const void *old_ptr, size_t old_size,
		  const struct kheap_site *site)
{
	struct timespec now;
	long long sec;
	long nsec;
	char line[640];
	int n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	sec = (long long)(now.tv_sec - start.tv_sec);
	nsec = now.tv_nsec - start.tv_nsec;
	if (nsec < 0) {
		nsec += 1000000000L;
		sec--;
	}
	n = snprintf(line, sizeof(line), "%lld.%09ld %ld %s 0x%lx %zu", sec,
		     nsec, tid(), name, (unsigned long)ptr, size);
	if (old_ptr && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      " from 0x%lx %zu", (unsigned long)old_ptr,
			      old_size);
	if (site && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " at %s:%d",
			      site->file, site->line);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	kh_log_write(line, (size_t)n);
}

static void trace_allocated(void *arg, const void *ptr, size_t size,
			    const struct kheap_site *site)
{
	(void)arg;
	event("alloc", ptr, size, NULL, 0, site);
}

static void trace_freed(void *arg, const void *ptr, size_t size,
			const struct kheap_site *site)
{
	(void)arg;
	(void)site;
	event("free", ptr, size, NULL, 0, NULL);
}

static void trace_resized(void *arg, const void *old_ptr, size_t old_size,
			  const struct kheap_site *old_site, const void *ptr,
			  size_t size, const struct kheap_site *site)
{
	(void)arg;
	(void)old_site;
	event("resize", ptr, size, old_ptr, old_size, site);
}

static void trace_region_acquired(void *arg, const void *base, size_t size)
{
	(void)arg;
	event("region_acquire", base, size, NULL, 0, NULL);
}

static void trace_region_released(void *arg, const void *base, size_t size)
{
	(void)arg;
	event("region_release", base, size, NULL, 0, NULL);
}

static const struct kheap_profiler trace_profiler = {
	.allocated = trace_allocated,
	.freed = trace_freed,
	.resized = trace_resized,
	.region_acquired = trace_region_acquired,
	.region_released = trace_region_released,
};

const struct kh_builtin_profiler kh_profile_trace = {
	"trace", &trace_profiler,
};

/* Time starts when the library loads, before any event. */
__attribute__((constructor)) static void trace_clock_start(void)
{
	clock_gettime(CLOCK_MONOTONIC, &start);
}
