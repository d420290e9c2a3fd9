// SPDX-License-Identifier: GPL-2.0
/*
 * kheap selftests: the /dev/kheap ABI as userspace sees it.
 *
 * Needs kheap.ko loaded and root (some tests change the limits through
 * /sys/module/kheap/parameters and restore them).  Every TEST runs in its
 * own forked child (kselftest harness), so a test that leaks a file or a
 * mapping cannot disturb the next one; tests that compare /proc/kheap
 * counters against a baseline assume no other kheap user runs meanwhile.
 *
 * Errno contract checked here (see module/ioctl.c and module/mmap.c):
 *   ENOTTY  unknown command, or known number with the wrong direction
 *   EINVAL  struct smaller than the minimum, flags/reserved non-zero,
 *           pages == 0, pages > max_pages_per_region; mmap not MAP_SHARED,
 *           not at a region's offset or not the region's exact length
 *   E2BIG   struct larger than the kernel's with non-zero extra bytes
 *   EFAULT  bad pointer
 *   ENOENT  FREE of something that is not a live region of this file
 *   EPERM   ALLOC/FREE/mmap from a process other than the opener
 *   EDQUOT  per-process limit, ENOSPC global limit
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
#include <termios.h>
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
	return open(DEV_PATH, O_RDWR | O_CLOEXEC);
}

/* Returns 0 or -errno. */
static int kheap_alloc(int fd, uint64_t pages, uint64_t *offset)
{
	struct kheap_alloc req = { .pages = pages };

	if (ioctl(fd, KHEAP_IOC_ALLOC, &req))
		return -errno;
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

static void *kheap_map(int fd, uint64_t offset, uint64_t pages)
{
	return mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, offset);
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
	long regions, pages, peak, failures;
	char comm[32];
};

/* Finds the /proc/kheap table row of @pid; returns 1 if found. */
static int proc_row(pid_t pid, struct proc_row *row)
{
	char line[256];
	int found = 0, in_table = 0;
	FILE *f;

	f = fopen(PROC_PATH, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		int p;

		if (!strncmp(line, "pid ", 4)) {
			in_table = 1;
			continue;
		}
		if (!in_table)
			continue;
		if (sscanf(line, "%d %31s %ld %ld %ld %ld", &p, row->comm,
			   &row->regions, &row->pages, &row->peak,
			   &row->failures) == 6 && p == pid) {
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
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

static long read_param(const char *name)
{
	char path[128];
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &val) != 1)
		val = -1;
	fclose(f);
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

FIXTURE(kheap) {
	int fd;
	struct kheap_info info;
};

FIXTURE_SETUP(kheap)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->fd = kheap_open();
	if (self->fd < 0 && (errno == ENOENT || errno == ENODEV))
		SKIP(return, "%s missing: is kheap.ko loaded?", DEV_PATH);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, KHEAP_IOC_INFO, &self->info));
}

FIXTURE_TEARDOWN(kheap)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(kheap, info)
{
	EXPECT_EQ(1u, self->info.abi_version);
	EXPECT_EQ((__u32)KHEAP_ABI_VERSION, self->info.abi_version);
	EXPECT_EQ(4096u, self->info.page_size);
	EXPECT_EQ((__u32)page_size, self->info.page_size);
	EXPECT_LE(1u, self->info.max_pages_per_region);
	EXPECT_LE(1u, self->info.max_pages_per_process);
	EXPECT_LE(1u, self->info.max_pages_total);
}

/* An older, shorter INFO struct gets exactly its own bytes. */
TEST_F(kheap, info_short_struct)
{
	unsigned char buf[sizeof(struct kheap_info) + 8];
	struct kheap_info *info = (struct kheap_info *)buf;

	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_INFO, 4), buf));
	EXPECT_EQ(1u, info->abi_version);
	EXPECT_TRUE(all_bytes((char *)buf + 4, sizeof(buf) - 4, 0xff));

	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_INFO, 8), buf));
	EXPECT_EQ(1u, info->abi_version);
	EXPECT_EQ((__u32)page_size, info->page_size);
	EXPECT_TRUE(all_bytes((char *)buf + 8, sizeof(buf) - 8, 0xff));

	/* Not even abi_version fits: that is not a struct of any version. */
	EXPECT_EQ(-1, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_INFO, 2), buf));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_INFO, 0), buf));
	EXPECT_EQ(EINVAL, errno);
}

/* A newer, longer INFO struct: what the kernel does not know reads 0. */
TEST_F(kheap, info_long_struct)
{
	unsigned char buf[sizeof(struct kheap_info) + 24];
	struct kheap_info *info = (struct kheap_info *)buf;

	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_INFO, sizeof(buf)),
			   buf));
	EXPECT_EQ(0, memcmp(info, &self->info, sizeof(*info)));
	EXPECT_TRUE(all_bytes((char *)buf + sizeof(*info),
			      sizeof(buf) - sizeof(*info), 0));
}

TEST_F(kheap, alloc_map_write_read_free)
{
	uint64_t off = 0, pages = 4;
	char *p;
	size_t i;

	ASSERT_EQ(0, kheap_alloc(self->fd, pages, &off));
	EXPECT_NE(0u, off);
	EXPECT_EQ(0u, off % page_size);

	p = kheap_map(self->fd, off, pages);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	for (i = 0; i < pages * page_size; i++)
		p[i] = (char)(i * 7 + 3);
	for (i = 0; i < pages * page_size; i++)
		if (p[i] != (char)(i * 7 + 3))
			break;
	EXPECT_EQ(pages * page_size, (uint64_t)i);

	EXPECT_EQ(0, munmap(p, pages * page_size));
	EXPECT_EQ(0, kheap_free(self->fd, off));
}

/* A mapping can be unmapped and mapped again: the data stays. */
TEST_F(kheap, remap_keeps_data)
{
	uint64_t off = 0;
	char *p;

	ASSERT_EQ(0, kheap_alloc(self->fd, 2, &off));
	p = kheap_map(self->fd, off, 2);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x3c, 2 * page_size);
	ASSERT_EQ(0, munmap(p, 2 * page_size));

	p = kheap_map(self->fd, off, 2);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_bytes(p, 2 * page_size, 0x3c));

	/* Zapping the PTEs refaults the same pages. */
	ASSERT_EQ(0, madvise(p, 2 * page_size, MADV_DONTNEED));
	EXPECT_TRUE(all_bytes(p, 2 * page_size, 0x3c));
	EXPECT_EQ(0, munmap(p, 2 * page_size));
	EXPECT_EQ(0, kheap_free(self->fd, off));
}

/* Freshly handed out pages are zero, also after someone dirtied them. */
TEST_F(kheap, pages_are_zeroed)
{
	const uint64_t pages = 16;
	int round, status;
	uint64_t off = 0;
	pid_t pid;
	char *p;

	for (round = 0; round < 8; round++) {
		ASSERT_EQ(0, kheap_alloc(self->fd, pages, &off));
		p = kheap_map(self->fd, off, pages);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_TRUE(all_bytes(p, pages * page_size, 0))
			TH_LOG("round %d: stale data in a new region", round);
		memset(p, 0xa5, pages * page_size);
		ASSERT_EQ(0, munmap(p, pages * page_size));
		ASSERT_EQ(0, kheap_free(self->fd, off));
	}

	/* Another process dirties and frees; we must not see its data. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = kheap_open();

		if (fd < 0 || kheap_alloc(fd, pages, &off))
			_exit(1);
		p = kheap_map(fd, off, pages);
		if (p == MAP_FAILED)
			_exit(2);
		memset(p, 0x5a, pages * page_size);
		munmap(p, pages * page_size);
		_exit(kheap_free(fd, off) ? 3 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ASSERT_EQ(0, kheap_alloc(self->fd, pages, &off));
	p = kheap_map(self->fd, off, pages);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_bytes(p, pages * page_size, 0));
	munmap(p, pages * page_size);
	EXPECT_EQ(0, kheap_free(self->fd, off));
}

/* FREE tears down the mapping: a stale pointer gets SIGBUS, not data. */
TEST_F(kheap, freed_region_faults)
{
	uint64_t off = 0;
	char *p;

	catch_faults();
	ASSERT_EQ(0, kheap_alloc(self->fd, 3, &off));
	p = kheap_map(self->fd, off, 3);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x11, 3 * page_size);
	EXPECT_EQ(0, touch(p + page_size, 0));

	ASSERT_EQ(0, kheap_free(self->fd, off));
	EXPECT_EQ(SIGBUS, touch(p, 0));
	EXPECT_EQ(SIGBUS, touch(p + page_size, 1));
	EXPECT_EQ(SIGBUS, touch(p + 3 * page_size - 1, 1));

	/* The dead mapping can still be unmapped, and cannot be redone. */
	EXPECT_EQ(0, munmap(p, 3 * page_size));
	EXPECT_EQ(MAP_FAILED, kheap_map(self->fd, off, 3));
	EXPECT_EQ(EINVAL, errno);
}

/* Freeing one region leaves the mappings of every other one alone. */
TEST_F(kheap, free_spares_other_regions)
{
	uint64_t a = 0, b = 0;
	char *pa, *pb;

	catch_faults();
	ASSERT_EQ(0, kheap_alloc(self->fd, 8, &a));
	ASSERT_EQ(0, kheap_alloc(self->fd, 8, &b));
	EXPECT_NE(a, b);
	pa = kheap_map(self->fd, a, 8);
	pb = kheap_map(self->fd, b, 8);
	ASSERT_NE(MAP_FAILED, pa);
	ASSERT_NE(MAP_FAILED, pb);
	memset(pa, 1, 8 * page_size);
	memset(pb, 2, 8 * page_size);

	ASSERT_EQ(0, kheap_free(self->fd, a));
	EXPECT_EQ(SIGBUS, touch(pa, 0));
	EXPECT_EQ(0, touch(pb + 7 * page_size, 0));
	EXPECT_TRUE(all_bytes(pb, 8 * page_size, 2));

	munmap(pa, 8 * page_size);
	munmap(pb, 8 * page_size);
	EXPECT_EQ(0, kheap_free(self->fd, b));
}

struct toucher {
	volatile char *p;
	size_t len;
	int sig;
	volatile int running;
};

static void *toucher_fn(void *arg)
{
	struct toucher *t = arg;
	size_t i = 0;

	t->running = 1;
	for (;;) {
		t->sig = touch(t->p + i, 1);
		if (t->sig)
			return NULL;
		i = (i + 4096) % t->len;
	}
}

/* FREE while another thread writes to the region: it ends in SIGBUS. */
TEST_F(kheap, free_while_writing)
{
	const uint64_t pages = 64;
	struct toucher t = { 0 };
	pthread_t thread;
	uint64_t off = 0;
	int round;

	catch_faults();
	for (round = 0; round < 20; round++) {
		ASSERT_EQ(0, kheap_alloc(self->fd, pages, &off));
		t.p = kheap_map(self->fd, off, pages);
		ASSERT_NE(MAP_FAILED, (void *)t.p);
		t.len = pages * page_size;
		t.running = 0;
		ASSERT_EQ(0, pthread_create(&thread, NULL, toucher_fn, &t));
		while (!t.running)
			sched_yield();
		usleep(1000 * (round % 4));
		ASSERT_EQ(0, kheap_free(self->fd, off));
		ASSERT_EQ(0, pthread_join(thread, NULL));
		EXPECT_EQ(SIGBUS, t.sig);
		munmap((void *)t.p, t.len);
	}
}

TEST_F(kheap, unknown_commands)
{
	struct kheap_alloc req = { .pages = 1 };
	unsigned char buf[64] = { 0 };
	struct termios tio;

	EXPECT_EQ(-1, ioctl(self->fd, _IO(KHEAP_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(KHEAP_IOC_MAGIC, 0x90, buf), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR('x', 0x81, req), &req));
	EXPECT_EQ(ENOTTY, errno);
	/* Right number, wrong direction. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(KHEAP_IOC_MAGIC, 0x81, req), &req));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOW(KHEAP_IOC_MAGIC, 0x80, buf), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(KHEAP_IOC_MAGIC, 0x80)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TCGETS, &tio));
	EXPECT_EQ(ENOTTY, errno);
}

FIXTURE(alloc_bad) {
	int fd;
	struct kheap_info info;
};

FIXTURE_VARIANT(alloc_bad) {
	uint64_t pages;
	uint32_t flags;
	uint32_t reserved;
	int over_region_limit;	/* pages = max_pages_per_region + pages */
	int err;
};

FIXTURE_VARIANT_ADD(alloc_bad, zero_pages) { .pages = 0, .err = EINVAL };
FIXTURE_VARIANT_ADD(alloc_bad, flag_bit0) {
	.pages = 1, .flags = 1, .err = EINVAL };
FIXTURE_VARIANT_ADD(alloc_bad, flag_bit31) {
	.pages = 1, .flags = 0x80000000u, .err = EINVAL };
FIXTURE_VARIANT_ADD(alloc_bad, reserved) {
	.pages = 1, .reserved = 1, .err = EINVAL };
FIXTURE_VARIANT_ADD(alloc_bad, max_u64_pages) {
	.pages = UINT64_MAX, .err = EINVAL };
FIXTURE_VARIANT_ADD(alloc_bad, pages_2_pow_40) {
	.pages = 1ull << 40, .err = EINVAL };
FIXTURE_VARIANT_ADD(alloc_bad, region_limit_plus_1) {
	.pages = 1, .over_region_limit = 1, .err = EINVAL };

FIXTURE_SETUP(alloc_bad)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->fd = kheap_open();
	if (self->fd < 0 && (errno == ENOENT || errno == ENODEV))
		SKIP(return, "%s missing: is kheap.ko loaded?", DEV_PATH);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioctl(self->fd, KHEAP_IOC_INFO, &self->info));
}

FIXTURE_TEARDOWN(alloc_bad)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(alloc_bad, rejected)
{
	struct kheap_alloc req = {
		.pages = variant->pages,
		.flags = variant->flags,
		.reserved = variant->reserved,
	};
	long failures = proc_value("failures");
	long allocations = proc_value("allocations");

	if (variant->over_region_limit)
		req.pages += self->info.max_pages_per_region;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_ALLOC, &req));
	EXPECT_EQ(variant->err, errno);
	/* Malformed requests are not "failures" and allocate nothing. */
	EXPECT_EQ(failures, proc_value("failures"));
	EXPECT_EQ(allocations, proc_value("allocations"));
}

TEST_F(kheap, bad_pointers)
{
	struct kheap_alloc *ro;
	long before;

	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_ALLOC, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_ALLOC, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_ALLOC,
			    (void *)0xffffffff81000000ul));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_FREE, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Readable but not writable: the handle cannot be returned. */
	ro = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro->pages = 3;
	ASSERT_EQ(0, mprotect(ro, page_size, PROT_READ));
	before = proc_value("pages_in_use");
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_ALLOC, ro));
	EXPECT_EQ(EFAULT, errno);
	/* ... and the region was not leaked. */
	EXPECT_EQ(before, proc_value("pages_in_use"));
	munmap(ro, page_size);
}

TEST_F(kheap, free_unknown_handle)
{
	uint64_t off = 0;

	EXPECT_EQ(-ENOENT, kheap_free(self->fd, 0));
	EXPECT_EQ(-ENOENT, kheap_free(self->fd, 12345));
	EXPECT_EQ(-ENOENT, kheap_free(self->fd, page_size));
	EXPECT_EQ(-ENOENT, kheap_free(self->fd, 1ull << 63));
	EXPECT_EQ(-ENOENT, kheap_free(self->fd, UINT64_MAX & ~4095ull));

	ASSERT_EQ(0, kheap_alloc(self->fd, 1, &off));
	EXPECT_EQ(-ENOENT, kheap_free(self->fd, off + page_size));
	EXPECT_EQ(-ENOENT, kheap_free(self->fd, off + 1));
	EXPECT_EQ(0, kheap_free(self->fd, off));
	/* Double free. */
	EXPECT_EQ(-ENOENT, kheap_free(self->fd, off));
}

TEST_F(kheap, free_bad_flags)
{
	struct kheap_free req = { 0 };
	uint64_t off = 0;

	ASSERT_EQ(0, kheap_alloc(self->fd, 1, &off));
	req.offset = off;
	req.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_FREE, &req));
	EXPECT_EQ(EINVAL, errno);
	req.flags = 0;
	req.reserved = 0x100;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_FREE, &req));
	EXPECT_EQ(EINVAL, errno);
	/* Still there. */
	EXPECT_EQ(0, kheap_free(self->fd, off));
}

/* A region is private to the file that allocated it. */
TEST_F(kheap, regions_belong_to_their_file)
{
	uint64_t off = 0;
	int fd2;

	fd2 = kheap_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, kheap_alloc(self->fd, 1, &off));
	EXPECT_EQ(MAP_FAILED, kheap_map(fd2, off, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-ENOENT, kheap_free(fd2, off));
	EXPECT_EQ(0, kheap_free(self->fd, off));
	close(fd2);
}

TEST_F(kheap, mmap_bad_requests)
{
	uint64_t off = 0;
	void *p;

	ASSERT_EQ(0, kheap_alloc(self->fd, 4, &off));

	/* Not a region's offset. */
	p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 3 * page_size, PROT_READ, MAP_SHARED, self->fd,
		 off + page_size);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* Wrong length. */
	p = mmap(NULL, 3 * page_size, PROT_READ, MAP_SHARED, self->fd, off);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 5 * page_size, PROT_READ, MAP_SHARED, self->fd, off);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* Private. */
	p = mmap(NULL, 4 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 self->fd, off);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);

	/* The right request still works. */
	p = kheap_map(self->fd, off, 4);
	EXPECT_NE(MAP_FAILED, p);
	munmap(p, 4 * page_size);
	EXPECT_EQ(0, kheap_free(self->fd, off));
}

/* Newer (longer) structs with zero tails work, non-zero tails do not. */
TEST_F(kheap, struct_sizes)
{
	struct {
		struct kheap_alloc a;
		uint64_t tail[2];
	} big = { .a.pages = 1 };
	struct {
		struct kheap_free f;
		uint64_t tail;
	} bigf = { 0 };
	uint64_t short_free = 0;
	uint64_t off = 0, big_off = 0;

	ASSERT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_ALLOC, sizeof(big)),
			   &big));
	EXPECT_NE(0u, big.a.offset);
	EXPECT_EQ(0u, big.tail[0]);
	EXPECT_EQ(0u, big.tail[1]);
	big_off = big.a.offset;

	big.a.offset = 0;
	big.tail[1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd,
			    CMD_SIZED(KHEAP_IOC_ALLOC, sizeof(big)), &big));
	EXPECT_EQ(E2BIG, errno);

	/* ALLOC without room for the handle is no ALLOC of any version. */
	EXPECT_EQ(-1, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_ALLOC, 16), &big));
	EXPECT_EQ(EINVAL, errno);

	/* FREE: larger with zero tail, larger with junk, handle only. */
	ASSERT_EQ(0, kheap_alloc(self->fd, 1, &off));
	bigf.f.offset = off;
	bigf.tail = 7;
	EXPECT_EQ(-1, ioctl(self->fd,
			    CMD_SIZED(KHEAP_IOC_FREE, sizeof(bigf)), &bigf));
	EXPECT_EQ(E2BIG, errno);
	bigf.tail = 0;
	EXPECT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_FREE, sizeof(bigf)),
			   &bigf));

	ASSERT_EQ(0, kheap_alloc(self->fd, 1, &off));
	short_free = off;
	EXPECT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_FREE, 8),
			   &short_free));
	EXPECT_EQ(-ENOENT, kheap_free(self->fd, off));
	EXPECT_EQ(-1, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_FREE, 4),
			    &short_free));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(0, kheap_free(self->fd, big_off));
}

/* A mapping cannot grow, shrink or be split; it can move whole. */
TEST_F(kheap, mremap_and_split)
{
	uint64_t off = 0;
	char *p, *q, *target;

	ASSERT_EQ(0, kheap_alloc(self->fd, 4, &off));
	p = kheap_map(self->fd, off, 4);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x77, 4 * page_size);

	q = mremap(p, 4 * page_size, 8 * page_size, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	q = mremap(p, 4 * page_size, 8 * page_size, 0);
	EXPECT_EQ(MAP_FAILED, q);
	q = mremap(p, 4 * page_size, 2 * page_size, 0);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(-1, munmap(p + page_size, page_size));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mprotect(p, page_size, PROT_READ));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(all_bytes(p, 4 * page_size, 0x77));

	/* Moving the whole mapping is fine. */
	target = mmap(NULL, 4 * page_size, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, target);
	q = mremap(p, 4 * page_size, 4 * page_size,
		   MREMAP_MAYMOVE | MREMAP_FIXED, target);
	ASSERT_EQ(target, q);
	EXPECT_TRUE(all_bytes(q, 4 * page_size, 0x77));
	EXPECT_EQ(0, munmap(q, 4 * page_size));
	EXPECT_EQ(0, kheap_free(self->fd, off));
}

/* Children inherit the fd but neither the mappings nor the right to use it. */
TEST_F(kheap, fork_semantics)
{
	struct kheap_info info;
	int status;
	uint64_t off = 0, off2 = 0;
	pid_t pid;
	char *p;

	ASSERT_EQ(0, kheap_alloc(self->fd, 2, &off));
	p = kheap_map(self->fd, off, 2);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x42, 2 * page_size);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		catch_faults();
		if (touch(p, 0) != SIGSEGV)
			_exit(1);
		if (ioctl(self->fd, KHEAP_IOC_INFO, &info))
			_exit(2);
		if (kheap_alloc(self->fd, 1, &off2) != -EPERM)
			_exit(3);
		if (kheap_free(self->fd, off) != -EPERM)
			_exit(4);
		if (kheap_map(self->fd, off, 2) != MAP_FAILED || errno != EPERM)
			_exit(5);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* The parent's mapping is untouched. */
	EXPECT_TRUE(all_bytes(p, 2 * page_size, 0x42));
	munmap(p, 2 * page_size);
	EXPECT_EQ(0, kheap_free(self->fd, off));
}

/* The last close frees every region; a live mapping delays it. */
TEST(close_frees_everything)
{
	long base_pages, base_regions;
	uint64_t off[3];
	struct proc_row row;
	char *p;
	int fd, i;

	page_size = sysconf(_SC_PAGESIZE);
	base_pages = proc_value("pages_in_use");
	base_regions = proc_value("regions");
	ASSERT_LE(0, base_pages);

	fd = kheap_open();
	ASSERT_LE(0, fd);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, kheap_alloc(fd, 5, &off[i]));
	EXPECT_EQ(base_pages + 15, proc_value("pages_in_use"));
	EXPECT_EQ(base_regions + 3, proc_value("regions"));
	ASSERT_TRUE(proc_row(getpid(), &row));
	EXPECT_EQ(3, row.regions);
	EXPECT_EQ(15, row.pages);

	p = kheap_map(fd, off[1], 5);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, 5 * page_size);

	/* The mapping keeps the file, hence its regions, alive. */
	close(fd);
	EXPECT_EQ(base_pages + 15, proc_value("pages_in_use"));
	EXPECT_TRUE(all_bytes(p, 5 * page_size, 1));

	munmap(p, 5 * page_size);
	EXPECT_EQ(base_pages, proc_value("pages_in_use"));
	EXPECT_EQ(base_regions, proc_value("regions"));
	EXPECT_FALSE(proc_row(getpid(), &row));
}

/* SIGKILLed holders (mid-use, mappings live) give everything back. */
TEST(sigkill_reclaims)
{
	const int nr = 8;
	long base_pages;
	pid_t pids[8];
	int i, pipefd[2], status;
	char c;

	page_size = sysconf(_SC_PAGESIZE);
	base_pages = proc_value("pages_in_use");
	ASSERT_LE(0, base_pages);
	ASSERT_EQ(0, pipe(pipefd));

	for (i = 0; i < nr; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			uint64_t off = 0;
			int fd = kheap_open();
			char *p;

			if (fd < 0 || kheap_alloc(fd, 4, &off))
				_exit(1);
			p = kheap_map(fd, off, 4);
			if (p == MAP_FAILED)
				_exit(2);
			memset(p, 0xee, 4 * page_size);
			/* A second region, allocated but never mapped. */
			if (kheap_alloc(fd, 2, &off))
				_exit(3);
			if (write(pipefd[1], "r", 1) != 1)
				_exit(4);
			for (;;)
				pause();
		}
	}
	for (i = 0; i < nr; i++)
		ASSERT_EQ(1, read(pipefd[0], &c, 1));
	EXPECT_EQ(base_pages + nr * 6, proc_value("pages_in_use"));

	for (i = 0; i < nr; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
	EXPECT_EQ(base_pages, proc_value("pages_in_use"));
	for (i = 0; i < nr; i++) {
		struct proc_row row;

		EXPECT_FALSE(proc_row(pids[i], &row));
	}
	close(pipefd[0]);
	close(pipefd[1]);
}

/* One /proc/kheap row per process, shared by all its opens. */
TEST(proc_rows)
{
	struct proc_row row;
	uint64_t off = 0;
	int fd1, fd2;
	FILE *f;
	char line[128];

	f = fopen(PROC_PATH, "re");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	EXPECT_STREQ("kheap abi 1\n", line);
	fclose(f);

	EXPECT_FALSE(proc_row(getpid(), &row));
	fd1 = kheap_open();
	ASSERT_LE(0, fd1);
	ASSERT_TRUE(proc_row(getpid(), &row));
	EXPECT_EQ(0, row.regions);
	EXPECT_EQ(0, row.pages);

	fd2 = kheap_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, kheap_alloc(fd1, 2, &off));
	ASSERT_EQ(0, kheap_alloc(fd2, 3, &off));
	ASSERT_TRUE(proc_row(getpid(), &row));
	EXPECT_EQ(2, row.regions);
	EXPECT_EQ(5, row.pages);
	EXPECT_EQ(5, row.peak);
	EXPECT_EQ(0, kheap_free(fd2, off));
	ASSERT_TRUE(proc_row(getpid(), &row));
	EXPECT_EQ(1, row.regions);
	EXPECT_EQ(2, row.pages);
	EXPECT_EQ(5, row.peak);

	close(fd1);
	ASSERT_TRUE(proc_row(getpid(), &row));
	EXPECT_EQ(0, row.regions);
	close(fd2);
	EXPECT_FALSE(proc_row(getpid(), &row));
}

FIXTURE(limits) {
	int fd;
	long per_process, total, per_region;
};

FIXTURE_SETUP(limits)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->per_process = read_param("max_pages_per_process");
	self->total = read_param("max_pages_total");
	self->per_region = read_param("max_pages_per_region");
	if (self->per_process < 0 || self->total < 0 || self->per_region < 0)
		SKIP(return, "kheap module parameters not readable");
	self->fd = kheap_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(limits)
{
	if (self->per_process >= 0)
		write_param("max_pages_per_process", self->per_process);
	if (self->total >= 0)
		write_param("max_pages_total", self->total);
	if (self->per_region >= 0)
		write_param("max_pages_per_region", self->per_region);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(limits, per_process)
{
	struct kheap_info info;
	struct proc_row row;
	uint64_t a = 0, b = 0;

	ASSERT_EQ(0, write_param("max_pages_per_process", 10));
	ASSERT_EQ(0, ioctl(self->fd, KHEAP_IOC_INFO, &info));
	EXPECT_EQ(10u, info.max_pages_per_process);

	ASSERT_EQ(0, kheap_alloc(self->fd, 8, &a));
	EXPECT_EQ(-EDQUOT, kheap_alloc(self->fd, 3, &b));
	ASSERT_TRUE(proc_row(getpid(), &row));
	EXPECT_EQ(1, row.failures);
	EXPECT_EQ(8, row.pages);
	EXPECT_EQ(0, kheap_alloc(self->fd, 2, &b));
	EXPECT_EQ(0, kheap_free(self->fd, a));
	EXPECT_EQ(0, kheap_alloc(self->fd, 8, &a));
}

TEST_F(limits, total)
{
	long in_use = proc_value("pages_in_use");
	uint64_t a = 0;

	ASSERT_LE(0, in_use);
	ASSERT_EQ(0, write_param("max_pages_total", in_use + 4));
	EXPECT_EQ(-ENOSPC, kheap_alloc(self->fd, 5, &a));
	EXPECT_EQ(0, kheap_alloc(self->fd, 4, &a));
}

TEST_F(limits, per_region)
{
	struct kheap_info info;
	uint64_t a = 0;

	EXPECT_EQ(-EINVAL, write_param("max_pages_per_region", 0));
	EXPECT_EQ(-EINVAL, write_param("max_pages_per_region", 1ul << 21));
	ASSERT_EQ(0, write_param("max_pages_per_region", 3));
	ASSERT_EQ(0, ioctl(self->fd, KHEAP_IOC_INFO, &info));
	EXPECT_EQ(3u, info.max_pages_per_region);
	EXPECT_EQ(-EINVAL, kheap_alloc(self->fd, 4, &a));
	EXPECT_EQ(0, kheap_alloc(self->fd, 3, &a));
}

TEST_HARNESS_MAIN
