/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kheap selftests: helpers shared by the test programs (one per theme).
 *
 * Needs kheap.ko loaded and root (some tests change the limits through
 * /sys/module/kheap/parameters and restore them).  Every TEST runs in its
 * own forked child (kselftest harness), so a test that leaks a file or a
 * mapping cannot disturb the next one; tests that compare /proc/kheap
 * counters against a baseline assume no other kheap user runs meanwhile.
 */
#ifndef KHEAP_SELFTEST_UTIL_H
#define KHEAP_SELFTEST_UTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kheap.h>

/*
 * Warnings the harness itself triggers under -Wextra: its functions and the
 * functions TEST() generates have unused parameters, and each test body
 * runs right after a setjmp() in the same function once inlined (its
 * locals are dead after the longjmp, so -Wclobbered is noise).
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../kselftest_harness.h"

#define DEV_PATH	"/dev/" KHEAP_DEVICE_NAME
#define PROC_PATH	"/proc/kheap"
#define PARAM_DIR	"/sys/module/kheap/parameters/"

/* Same command numbers with another struct size, as another ABI would use. */
#define CMD_SIZED(cmd, size) \
	_IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), (size))

static long page_size;

static int kheap_open(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	return open(DEV_PATH, O_RDWR | O_CLOEXEC);
}

/* Returns 0 or -errno; the handle goes to *@offset if not NULL. */
static int kheap_alloc(int fd, uint64_t pages, uint64_t *offset)
{
	struct kheap_alloc req = { .pages = pages };

	if (ioctl(fd, KHEAP_IOC_ALLOC, &req))
		return -errno;
	if (offset)
		*offset = req.offset;
	return 0;
}

static int kheap_free(int fd, uint64_t offset)
{
	struct kheap_free req = { .offset = offset };

	if (ioctl(fd, KHEAP_IOC_FREE, &req))
		return -errno;
	return 0;
}

static int kheap_batch(int fd, unsigned long cmd,
		       struct kheap_batch_entry *e, uint32_t count)
{
	struct kheap_batch req = {
		.entries = (uintptr_t)e,
		.count = count,
		.entry_size = sizeof(*e),
	};

	if (ioctl(fd, cmd, &req))
		return -errno;
	return 0;
}

static int kheap_stats(int fd, struct kheap_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (ioctl(fd, KHEAP_IOC_STATS, st))
		return -errno;
	return 0;
}

static void *kheap_map(int fd, uint64_t offset, uint64_t pages)
{
	return mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, offset);
}

/*
 * Fixture setup: opens /dev/kheap into @fd, skipping the test when the
 * module is not loaded and failing it on any other error.
 */
#define KHEAP_OPEN_OR_SKIP(fd) do {					\
	(fd) = kheap_open();						\
	if ((fd) < 0 && (errno == ENOENT || errno == ENODEV))		\
		SKIP(return, "%s missing: is kheap.ko loaded?", DEV_PATH); \
	ASSERT_LE(0, (fd)) TH_LOG("open %s: %s", DEV_PATH, strerror(errno)); \
} while (0)

/*
 * ALLOC of @pages (handle to *@off) mapped whole, each byte set to @fill
 * unless @fill is negative; fails the test on error.  Returns the mapping.
 */
static char *alloc_map(struct __test_metadata *_metadata, int fd,
		       uint64_t pages, uint64_t *off, int fill)
{
	char *p;

	ASSERT_EQ(0, kheap_alloc(fd, pages, off));
	p = kheap_map(fd, *off, pages);
	ASSERT_NE(MAP_FAILED, p);
	if (fill >= 0)
		memset(p, fill, pages * page_size);
	return p;
}

/* Value of "key:" in the global block of /proc/kheap, or -1. */
static long proc_value(const char *key)
{
	char line[256], name[64];
	long val = -1, v;
	FILE *f;

	f = fopen(PROC_PATH, "re");
	if (!f)
		return -1;
	snprintf(name, sizeof(name), "%s:", key);
	while (fgets(line, sizeof(line), f)) {
		char k[64];

		if (sscanf(line, "%63s %ld", k, &v) == 2 && !strcmp(k, name)) {
			val = v;
			break;
		}
	}
	fclose(f);
	return val;
}

struct proc_row {
	int pid;
	char comm[32];
	long regions, pages, peak, failures, limit_hits;
};

/*
 * Reads the /proc/kheap table: the rows of @pid (every row if @pid is 0),
 * the first @max of them into @rows.  Returns how many rows matched in
 * all, or -1 if /proc/kheap cannot be read.
 */
static int proc_table(pid_t pid, struct proc_row *rows, int max)
{
	char line[256];
	int found = 0, in_table = 0;
	FILE *f;

	f = fopen(PROC_PATH, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct proc_row r;

		if (!strncmp(line, "pid ", 4)) {
			in_table = 1;
			continue;
		}
		if (!in_table)
			continue;
		if (sscanf(line, "%d %31s %ld %ld %ld %ld %ld", &r.pid, r.comm,
			   &r.regions, &r.pages, &r.peak, &r.failures,
			   &r.limit_hits) == 7 && (!pid || r.pid == pid)) {
			if (found < max)
				rows[found] = r;
			found++;
		}
	}
	fclose(f);
	return found;
}

/*
 * Finds the /proc/kheap table row of @pid (any row if @pid is 0) into @row
 * unless NULL; returns the number of matching rows.
 */
static int proc_row(pid_t pid, struct proc_row *row)
{
	int found = proc_table(pid, row, row ? 1 : 0);

	return found < 0 ? 0 : found;
}

/* Every table row of /proc/kheap; returns how many (at most @max), or -1. */
static int proc_all_rows(struct proc_row *rows, int max)
{
	int found = proc_table(0, rows, max);

	return found > max ? max : found;
}

struct proc_base {
	long regions, pages, processes, rows;
};

static void proc_base(struct proc_base *b)
{
	b->regions = proc_value("regions");
	b->pages = proc_value("pages_in_use");
	b->processes = proc_value("processes");
	b->rows = proc_row(0, NULL);
}

static int write_param(const char *name, unsigned long val)
{
	char path[128], buf[32];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%lu", val);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Parameter @name, an unsigned long, into *@val; returns 0 or -errno. */
static int param_get(const char *name, unsigned long *val)
{
	char path[128];
	int ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%lu", val) != 1)
		ret = -EINVAL;
	fclose(f);
	return ret;
}

/* The parameter's value (LONG_MAX if above), or -1 if unreadable. */
static long read_param(const char *name)
{
	unsigned long val;

	if (param_get(name, &val))
		return -1;
	return val > LONG_MAX ? LONG_MAX : (long)val;
}

/* The parameter's value, whole, or 0 with errno set if unreadable. */
static unsigned long read_param_ul(const char *name)
{
	unsigned long val;
	int ret = param_get(name, &val);

	if (ret) {
		errno = -ret;
		return 0;
	}
	return val;
}

/* Touching memory that may fault: returns the signal taken, or 0. */
static __thread sigjmp_buf fault_jmp;
static __thread volatile sig_atomic_t fault_sig;

static void on_fault(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

static void catch_faults(void)
{
	struct sigaction sa = { .sa_handler = on_fault };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

static int touch(volatile char *p, int write)
{
	fault_sig = 0;
	if (!sigsetjmp(fault_jmp, 1)) {
		if (write)
			*p = 0x5a;
		else
			(void)*p;
	}
	return fault_sig;
}

static int all_bytes(const char *p, size_t len, unsigned char val)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] != val)
			return 0;
	return 1;
}

/* Child side of a pipe handshake. */
static int pipe_send(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static int pipe_recv(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? c : -1;
}

/* Exit status of a child: its exit code, or 100 + signal. */
static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 100 + WTERMSIG(status);
}

#endif /* KHEAP_SELFTEST_UTIL_H */
