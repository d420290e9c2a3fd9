// SPDX-License-Identifier: GPL-2.0
/*
 * kheap selftests: the single-region /dev/kheap ABI as userspace sees it.
 * Batches and STATS: kheap_batch_test.c; limits: kheap_limits_test.c;
 * fork: kheap_fork_test.c; reclaim, threads, unload and permissions:
 * kheap_reclaim_test.c.  Helpers: kheap_util.h.
 *
 * Errno contract checked here (see uapi/linux/kheap.h):
 *   ENOTTY  unknown command, or known number with the wrong direction
 *   EINVAL  struct smaller than the minimum, flags/reserved non-zero,
 *           pages == 0, pages > max_pages_per_region; mmap not MAP_SHARED,
 *           not at a region's offset or not the region's exact length
 *   E2BIG   struct larger than the kernel's with non-zero extra bytes
 *   EFAULT  bad pointer
 *   ENOENT  FREE of something that is not a live region of this file
 *   EPERM   ALLOC/FREE/mmap from a process other than the opener
 *   EBUSY   ALLOC from a 32-bit process holding every handle its mmap
 *           can reach (the tests run as 64- and as 32-bit programs)
 */
#include "kheap_util.h"

#include <termios.h>

FIXTURE(kheap) {
	int fd;
	struct kheap_info info;
};

FIXTURE_SETUP(kheap)
{
	page_size = sysconf(_SC_PAGESIZE);
	KHEAP_OPEN_OR_SKIP(self->fd);
	ASSERT_EQ(0, ioctl(self->fd, KHEAP_IOC_INFO, &self->info));
}

FIXTURE_TEARDOWN(kheap)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(kheap, info)
{
	EXPECT_EQ(2u, self->info.abi_version);
	EXPECT_EQ((__u32)KHEAP_ABI_VERSION, self->info.abi_version);
	EXPECT_EQ(4096u, self->info.page_size);
	EXPECT_EQ((__u32)page_size, self->info.page_size);
	EXPECT_LE(1u, self->info.max_pages_per_region);
	EXPECT_LE(1u, self->info.max_pages_per_process);
	EXPECT_LE(1u, self->info.max_pages_total);
	EXPECT_EQ((__u32)KHEAP_BATCH_MAX, self->info.batch_max);
	EXPECT_EQ(0u, self->info.reserved);
}

/* The v1 INFO struct (32 bytes) still works, and gets its own bytes only. */
TEST_F(kheap, info_v1_struct)
{
	unsigned char buf[48];

	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_INFO, 32), buf));
	EXPECT_EQ(0, memcmp(buf, &self->info, 32));
	EXPECT_TRUE(all_bytes((char *)buf + 32, sizeof(buf) - 32, 0xff));
}

/* An older, shorter INFO struct gets exactly its own bytes. */
TEST_F(kheap, info_short_struct)
{
	unsigned char buf[sizeof(struct kheap_info) + 8];
	struct kheap_info *info = (struct kheap_info *)buf;

	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_INFO, 4), buf));
	EXPECT_EQ(2u, info->abi_version);
	EXPECT_TRUE(all_bytes((char *)buf + 4, sizeof(buf) - 4, 0xff));

	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_INFO, 8), buf));
	EXPECT_EQ(2u, info->abi_version);
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

	p = alloc_map(_metadata, self->fd, 2, &off, 0x3c);
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

/*
 * More regions than a 32-bit process's mmap offsets can name (4095 handles,
 * see EBUSY in the uapi header) come and go one at a time: every one maps,
 * in a 64-bit and in a 32-bit build of this test.
 */
#define HANDLES_TRIED	5000
/*
 * 5000 ALLOC, mmap, munmap and FREE calls take more than the harness's
 * default 30 s on a KASAN kernel under emulation on a busy machine; the
 * collection's own limit (settings) is 120 s.
 */
#define HANDLES_TIMEOUT	120

TEST_F_TIMEOUT(kheap, every_handle_maps, HANDLES_TIMEOUT)
{
	int i;

	for (i = 0; i < HANDLES_TRIED; i++) {
		uint64_t off = 0;
		char *p;

		ASSERT_EQ(0, kheap_alloc(self->fd, 1, &off));
		p = kheap_map(self->fd, off, 1);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("region %d, offset %#llx: %s", i,
						(unsigned long long)off, strerror(errno));
		p[0] = 1;
		ASSERT_EQ(0, munmap(p, page_size));
		ASSERT_EQ(0, kheap_free(self->fd, off));
	}
}

/*
 * Held at once, a 64-bit process gets them all; a 32-bit one gets at most
 * the 4095 its mmap can reach, each of them mappable, then EBUSY.
 */
TEST_F_TIMEOUT(kheap, live_handles_within_reach, HANDLES_TIMEOUT)
{
	uint64_t *offs = calloc(HANDLES_TRIED, sizeof(*offs));
	int held, i;

	ASSERT_NE(NULL, offs);
	for (held = 0; held < HANDLES_TRIED; held++) {
		char *p;

		if (kheap_alloc(self->fd, 1, &offs[held]))
			break;
		p = kheap_map(self->fd, offs[held], 1);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("region %d: %s", held, strerror(errno));
		ASSERT_EQ(0, munmap(p, page_size));
	}
	if (sizeof(long) == 4) {
		ASSERT_GT(HANDLES_TRIED, held);
		EXPECT_EQ(EBUSY, errno);
		EXPECT_GE(4095, held);
		EXPECT_LT(4000, held) TH_LOG("only %d handles", held);
	} else {
		EXPECT_EQ(HANDLES_TRIED, held) TH_LOG("%s", strerror(errno));
	}
	for (i = 0; i < held; i++)
		EXPECT_EQ(0, kheap_free(self->fd, offs[i]));
	free(offs);
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
	p = alloc_map(_metadata, self->fd, 3, &off, 0x11);
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
	KHEAP_OPEN_OR_SKIP(self->fd);
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

	p = alloc_map(_metadata, self->fd, 4, &off, 0x77);

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
	EXPECT_STREQ("kheap abi 2\n", line);
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

TEST_HARNESS_MAIN
