/* SPDX-License-Identifier: MIT */
/*
 * profile_histogram.c - the "histogram" profiler: requested sizes in
 * power-of-two buckets, written at exit as the CSV tools/kheap-plot
 * --histogram draws. Format and file name in kheap.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile_builtin.h"
#include "report.h"

#define BUCKETS 66

static size_t counts[BUCKETS];

/* 0 -> 0, 1 -> 1, 2 -> 2, 3..4 -> 3, 5..8 -> 4, (2^k, 2^(k+1)] -> k + 2. */
static unsigned bucket_of(size_t size)
{
	if (size <= 2)
		return (unsigned)size;
	return kh_log2(size - 1) + 2;
}

static void bucket_label(unsigned b, char *buf, size_t cap)
{
	if (b <= 2)
		snprintf(buf, cap, "%u", b);
	else
		snprintf(buf, cap, "%zu-%zu", ((size_t)1 << (b - 2)) + 1,
			 (size_t)1 << (b - 1));
}

static void count(size_t size)
{
	__atomic_add_fetch(&counts[bucket_of(size)], 1, __ATOMIC_RELAXED);
}

static void histogram_allocated(void *arg, const void *ptr, size_t size,
				const struct kheap_site *site)
{
	(void)arg;
	(void)ptr;
	(void)site;
	count(size);
}

static void histogram_resized(void *arg, const void *old_ptr, size_t old_size,
			      const struct kheap_site *old_site,
			      const void *ptr, size_t size,
			      const struct kheap_site *site)
{
	(void)arg;
	(void)old_ptr;
	(void)old_size;
	(void)old_site;
	(void)ptr;
	(void)site;
	count(size);
}

static void write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

static void histogram_report(void *arg)
{
	const char *path = getenv("KHEAP_HISTOGRAM");
	char default_path[4096], line[96], label[48];
	unsigned first = BUCKETS, last = 0;
	size_t total = 0;
	int fd = -1;

	(void)arg;
	if ((path == NULL || *path == '\0') && kh_log_path()) {
		snprintf(default_path, sizeof(default_path), "%s.histogram.csv",
			 kh_log_path());
		path = default_path;
	}
	if (path && *path) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			kh_log("kheap: histogram: %s: %s", path, strerror(errno));
	}
	for (unsigned b = 0; b < BUCKETS; b++) {
		size_t n = __atomic_load_n(&counts[b], __ATOMIC_RELAXED);

		if (n == 0)
			continue;
		total += n;
		if (first == BUCKETS)
			first = b;
		last = b;
	}
	if (fd >= 0)
		write_all(fd, "size_bucket,count\n", 18);
	else
		kh_log("kheap: histogram: size_bucket,count");
	for (unsigned b = first; b <= last && first < BUCKETS; b++) {
		int len;

		bucket_label(b, label, sizeof(label));
		len = snprintf(line, sizeof(line), "%s,%zu\n", label,
			       __atomic_load_n(&counts[b], __ATOMIC_RELAXED));
		if (fd >= 0)
			write_all(fd, line, (size_t)len);
		else
			kh_log("kheap: histogram: %.*s", len - 1, line);
	}
	if (fd >= 0) {
		close(fd);
		kh_log("kheap: histogram: %zu allocations in %u buckets written "
		       "to %s", total, first < BUCKETS ? last - first + 1 : 0,
		       path);
	}
}

static const struct kheap_profiler histogram_profiler = {
	.allocated = histogram_allocated,
	.resized = histogram_resized,
	.report = histogram_report,
};

const struct kh_builtin_profiler kh_profile_histogram = {
	"histogram", &histogram_profiler,
};
