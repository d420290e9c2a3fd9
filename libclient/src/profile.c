/* SPDX-License-Identifier: MIT */
/*
 * profile.c - the profiler registry and the dispatch of events to it: the
 * part of profiling the allocator's own paths call. Choosing the built-in
 * profilers and their log is profile_builtin.c; each built-in lives in a
 * profile_*.c of its own.
 *
 * The installed profilers form an immutable list published with one
 * pointer store (NULL for none), so the allocation paths test one global
 * and a thread never sees half a change. Lists are never freed: a retired
 * one is reused only KH_SNAPSHOTS changes later, so a thread still inside a
 * hook of an old list reads it intact unless the program changes its
 * profilers that often while hooks run (its race to avoid).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "profile.h"
#include "report.h"

#define KH_SNAPSHOTS	32

const struct kh_profilers *kh_profilers;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
/* Under registry_lock: the installed profilers and the name of each. */
static struct kh_profilers installed;
static const void *installed_keys[KHEAP_MAX_PROFILERS];
static struct kh_profilers snapshots[KH_SNAPSHOTS];
static unsigned next_snapshot;
static bool exit_report_registered;
/* The key of the profiler of kheap_set_profiler(). */
static const char set_profiler_key;

static void profile_exit(void);

/* registry_lock held: make the installed list the one hooks see. */
static void publish(void)
{
	struct kh_profilers *snapshot = NULL;

	if (installed.count > 0) {
		snapshot = &snapshots[next_snapshot];
		next_snapshot = (next_snapshot + 1) % KH_SNAPSHOTS;
		*snapshot = installed;
	}
	__atomic_store_n(&kh_profilers, snapshot, __ATOMIC_RELEASE);
}

static int find(const void *key)
{
	for (unsigned i = 0; i < installed.count; i++)
		if (installed_keys[i] == key)
			return (int)i;
	return -1;
}

/* registry_lock held. */
static int add_locked(const void *key, const struct kheap_profiler *profiler)
{
	if (find(key) >= 0) {
		errno = EEXIST;
		return -1;
	}
	if (installed.count == KHEAP_MAX_PROFILERS) {
		errno = ENOSPC;
		return -1;
	}
	installed_keys[installed.count] = key;
	installed.list[installed.count++] = *profiler;
	if (profiler->report && !exit_report_registered) {
		exit_report_registered = true;
		atexit(profile_exit);
	}
	publish();
	return 0;
}

/* registry_lock held. */
static int remove_locked(const void *key)
{
	int i = find(key);

	if (i < 0) {
		errno = ENOENT;
		return -1;
	}
	for (unsigned j = (unsigned)i; j + 1 < installed.count; j++) {
		installed_keys[j] = installed_keys[j + 1];
		installed.list[j] = installed.list[j + 1];
	}
	installed.count--;
	publish();
	return 0;
}

int kh_profile_install(const void *key, const struct kheap_profiler *profiler)
{
	int rc;

	pthread_mutex_lock(&registry_lock);
	rc = add_locked(key, profiler);
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

KH_API int kheap_profiler_add(const struct kheap_profiler *profiler)
{
	if (profiler == NULL) {
		errno = EINVAL;
		return -1;
	}
	return kh_profile_install(profiler, profiler);
}

KH_API int kheap_profiler_remove(const struct kheap_profiler *profiler)
{
	int rc;

	pthread_mutex_lock(&registry_lock);
	rc = remove_locked(profiler);
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

KH_API int kheap_set_profiler(const struct kheap_profiler *profiler)
{
	int rc = 0;

	pthread_mutex_lock(&registry_lock);
	if (find(&set_profiler_key) >= 0)
		remove_locked(&set_profiler_key);
	if (profiler)
		rc = add_locked(&set_profiler_key, profiler);
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

void kh_profile_lock(void)
{
	pthread_mutex_lock(&registry_lock);
}

void kh_profile_unlock(void)
{
	pthread_mutex_unlock(&registry_lock);
}

/* ---- dispatch --------------------------------------------------------------- */

static const struct kh_profilers *current(void)
{
	return __atomic_load_n(&kh_profilers, __ATOMIC_ACQUIRE);
}

void *kh_profile_report_allocated(void *ptr, size_t size, uint32_t site)
{
	const struct kh_profilers *ps = current();
	const struct kheap_site *where = kh_site(site);

	for (unsigned i = 0; ps && i < ps->count; i++)
		if (ps->list[i].allocated)
			ps->list[i].allocated(ps->list[i].arg, ptr, size, where);
	return ptr;
}

void kh_profile_report_freed(const void *ptr, size_t size, uint32_t site)
{
	const struct kh_profilers *ps = current();
	const struct kheap_site *where = kh_site(site);

	for (unsigned i = 0; ps && i < ps->count; i++)
		if (ps->list[i].freed)
			ps->list[i].freed(ps->list[i].arg, ptr, size, where);
}

void kh_profile_report_resized(const void *old_ptr, size_t old_size,
			       uint32_t old_site, const void *ptr, size_t size,
			       uint32_t site)
{
	const struct kh_profilers *ps = current();
	const struct kheap_site *old_where = kh_site(old_site);
	const struct kheap_site *where = kh_site(site);

	for (unsigned i = 0; ps && i < ps->count; i++) {
		const struct kheap_profiler *p = &ps->list[i];

		if (p->resized) {
			p->resized(p->arg, old_ptr, old_size, old_where, ptr,
				   size, where);
			continue;
		}
		if (p->freed)
			p->freed(p->arg, old_ptr, old_size, old_where);
		if (p->allocated)
			p->allocated(p->arg, ptr, size, where);
	}
}

void kh_profile_report_region(bool acquired, const void *base, size_t size)
{
	const struct kh_profilers *ps = current();

	for (unsigned i = 0; ps && i < ps->count; i++) {
		const struct kheap_profiler *p = &ps->list[i];

		if (acquired && p->region_acquired)
			p->region_acquired(p->arg, base, size);
		else if (!acquired && p->region_released)
			p->region_released(p->arg, base, size);
	}
}

/* Every installed profiler's report, in installation order. */
static void profile_exit(void)
{
	struct kh_profilers list;

	pthread_mutex_lock(&registry_lock);
	list = installed;
	pthread_mutex_unlock(&registry_lock);
	for (unsigned i = 0; i < list.count; i++)
		if (list.list[i].report)
			list.list[i].report(list.list[i].arg);
}
