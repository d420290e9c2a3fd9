/* SPDX-License-Identifier: MIT */
/*
 * profile_builtin.c - the built-in profilers by name (KHEAP_PROFILE,
 * kheap_profile_enable) and the log they write to (KHEAP_LOG, else
 * stderr). It sits above the profilers it names, apart from the registry
 * in profile.c, which the allocator's lowest layers call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile_builtin.h"
#include "report.h"

#define LOG_LINE_MAX	1024

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
			if (kh_profile_install(b, b->profiler) < 0 &&
			    errno != EEXIST) {
				rc = -1;
				err = errno;
			}
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
