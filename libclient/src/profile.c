/* SPDX-License-Identifier: MIT */
/*
 * profile.c - the profiler registry, the dispatch of events to it, the
 * KHEAP_PROFILE / KHEAP_LOG environment and the log the built-in
 * profilers write to. The built-in profilers live in profile_*.c.
 *
 * The installed profilers form an immutable list published with one
 * pointer store (NULL for none), so the allocation paths test one global
 * and a thread never sees half a change. Lists are never freed: a retired
 * one is reused only KH_SNAPSHOTS changes later, so a thread still inside a
 * hook of an old list reads it intact unless the program changes its
 * profilers that often while hooks run (its race to avoid).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile.h"
#include "report.h"

#define KH_SNAPSHOTS	32
#define LOG_LINE_MAX	1024

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

KH_API int kheap_profiler_add(const struct kheap_profiler *profiler)
{
	int rc;

	if (profiler == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&registry_lock);
	rc = add_locked(profiler, profiler);
	pthread_mutex_unlock(&registry_lock);
	return rc;
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

/* ---- the log ------------------------------------------------------------------ */

static int log_fd = STDERR_FILENO;
static const char *log_path;

const char *kh_log_path(void)
{
	return log_path;
}

void kh_log_write(const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(log_fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* best effort: nowhere to complain */
		text += n;
		len -= (size_t)n;
	}
}

void kh_log(const char *format, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int n;
	int saved = errno;

	va_start(ap, format);
	n = vsnprintf(line, sizeof(line) - 1, format, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	kh_log_write(line, (size_t)n);
	errno = saved;
}

static void open_log(void)
{
	const char *path = getenv("KHEAP_LOG");
	int fd;

	if (path == NULL || *path == '\0')
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		kh_print("kheap: KHEAP_LOG=%s: %s (logging to stderr)", path,
			 strerror(errno));
		return;
	}
	log_fd = fd;
	log_path = path;
}

const char *kh_profile_site_name(const struct kheap_site *site, char *buf,
				 size_t cap)
{
	if (site == NULL)
		snprintf(buf, cap, "(no site)");
	else
		snprintf(buf, cap, "%s:%d in %s()", site->file, site->line,
			 site->func);
	return buf;
}

/* ---- choosing built-in profilers by name ------------------------------------ */

static const struct kh_builtin_profiler *const builtins[] = {
	&kh_profile_summary, &kh_profile_stats, &kh_profile_histogram,
	&kh_profile_sites, &kh_profile_leaks, &kh_profile_trace,
};
#define VALID_NAMES "summary, stats, histogram, sites, leaks, trace"

static const struct kh_builtin_profiler *builtin(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strlen(builtins[i]->name) == len &&
		    memcmp(builtins[i]->name, name, len) == 0)
			return builtins[i];
	return NULL;
}

/* Install the built-ins of a comma list; report unknown names when @say. */
static int enable(const char *names, const char *what)
{
	int rc = 0, err = 0;

	while (*names) {
		size_t len = strcspn(names, ",");
		const struct kh_builtin_profiler *b;

		while (len > 0 && *names == ' ') {
			names++;
			len--;
		}
		while (len > 0 && names[len - 1] == ' ')
			len--;
		b = builtin(names, len);
		if (b == NULL && len > 0) {
			if (what)
				kh_print("kheap: %s: unknown profiler '%.*s' "
					 "(valid: " VALID_NAMES ")", what,
					 (int)len, names);
			rc = -1;
			err = EINVAL;
		} else if (b != NULL) {
			pthread_mutex_lock(&registry_lock);
			if (add_locked(b, b->profiler) < 0 && errno != EEXIST) {
				rc = -1;
				err = errno;
			}
			pthread_mutex_unlock(&registry_lock);
		}
		names += strcspn(names, ",");
		if (*names == ',')
			names++;
	}
	if (rc < 0)
		errno = err;
	return rc;
}

KH_API int kheap_profile_enable(const char *names)
{
	if (names == NULL) {
		errno = EINVAL;
		return -1;
	}
	return enable(names, NULL);
}

void kh_profile_init(void)
{
	const char *env = getenv("KHEAP_PROFILE");

	open_log();
	if (env != NULL && *env != '\0')
		enable(env, "KHEAP_PROFILE");
}
