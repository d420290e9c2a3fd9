// SPDX-License-Identifier: GPL-2.0
/*
 * kheap selftests: BATCH_ALLOC, BATCH_FREE and STATS (ABI v2).
 *
 * Errno contract checked here (see uapi/linux/kheap.h):
 *   EINVAL  count 0 or > KHEAP_BATCH_MAX (also when count * entry_size
 *           would overflow), entry_size not 16, flags/reserved non-zero,
 *           an entry with pages 0 or > max_pages_per_region (anywhere in
 *           the array: nothing is allocated)
 *   EFAULT  entry array pointer bad (nothing allocated or freed)
 *   ENOENT  BATCH_FREE of an unknown or repeated offset (nothing freed)
 *   E2BIG   longer struct with non-zero tail
 */
#include "kheap_util.h"

FIXTURE(batch) {
	int fd;
	struct kheap_info info;
};

FIXTURE_SETUP(batch)
{
	KHEAP_OPEN_OR_SKIP(self->fd);
	ASSERT_EQ(0, ioctl(self->fd, KHEAP_IOC_INFO, &self->info));
}

FIXTURE_TEARDOWN(batch)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(batch, alloc_map_free)
{
	struct kheap_batch_entry e[64];
	long base = proc_value("pages_in_use");
	long regions = proc_value("regions");
	char *p[64];
	int i, j;

	for (i = 0; i < 64; i++)
		e[i] = (struct kheap_batch_entry){ .pages = 1 + i % 3 };
	ASSERT_EQ(0, kheap_batch(self->fd, KHEAP_IOC_BATCH_ALLOC, e, 64));
	EXPECT_EQ(base + 21 * 6 + 1, proc_value("pages_in_use"));
	EXPECT_EQ(regions + 64, proc_value("regions"));
	for (i = 0; i < 64; i++) {
		ASSERT_NE(0u, e[i].offset);
		EXPECT_EQ(1u + i % 3, e[i].pages);
		for (j = 0; j < i; j++)
			ASSERT_NE(e[j].offset, e[i].offset);
		p[i] = kheap_map(self->fd, e[i].offset, e[i].pages);
		ASSERT_NE(MAP_FAILED, p[i]);
		EXPECT_TRUE(all_bytes(p[i], e[i].pages * page_size, 0));
		memset(p[i], i, e[i].pages * page_size);
	}
	for (i = 0; i < 64; i++) {
		EXPECT_TRUE(all_bytes(p[i], e[i].pages * page_size, i));
		munmap(p[i], e[i].pages * page_size);
	}
	/* Single FREE works on batch regions, and the batch on the rest. */
	EXPECT_EQ(0, kheap_free(self->fd, e[0].offset));
	ASSERT_EQ(0, kheap_batch(self->fd, KHEAP_IOC_BATCH_FREE, e + 1, 63));
	EXPECT_EQ(base, proc_value("pages_in_use"));
	EXPECT_EQ(regions, proc_value("regions"));
	EXPECT_EQ(-ENOENT, kheap_free(self->fd, e[5].offset));
}

TEST_F(batch, max_count)
{
	uint32_t n = self->info.batch_max;
	struct kheap_batch_entry *e = calloc(n + 1, sizeof(*e));
	uint32_t i;

	ASSERT_NE(NULL, e);
	for (i = 0; i <= n; i++)
		e[i].pages = 1;
	EXPECT_EQ(-EINVAL, kheap_batch(self->fd, KHEAP_IOC_BATCH_ALLOC, e,
				       n + 1));
	ASSERT_EQ(0, kheap_batch(self->fd, KHEAP_IOC_BATCH_ALLOC, e, n));
	EXPECT_EQ(0, kheap_batch(self->fd, KHEAP_IOC_BATCH_FREE, e, n));
	free(e);
}

/* A bad entry anywhere: EINVAL and nothing allocated. */
TEST_F(batch, bad_entry_allocates_nothing)
{
	struct kheap_batch_entry e[8];
	long pages = proc_value("pages_in_use");
	long allocs = proc_value("allocations");
	long failures = proc_value("failures");
	int bad, i;

	for (bad = 0; bad < 8; bad += 3) {
		for (i = 0; i < 8; i++)
			e[i] = (struct kheap_batch_entry){ .pages = 2 };
		e[bad].pages = bad ? self->info.max_pages_per_region + 1 : 0;
		EXPECT_EQ(-EINVAL, kheap_batch(self->fd, KHEAP_IOC_BATCH_ALLOC,
					       e, 8));
		for (i = 0; i < 8; i++)
			EXPECT_EQ(0u, e[i].offset);
	}
	EXPECT_EQ(pages, proc_value("pages_in_use"));
	EXPECT_EQ(allocs, proc_value("allocations"));
	EXPECT_EQ(failures, proc_value("failures"));
}

TEST_F(batch, bad_requests)
{
	struct kheap_batch_entry e[4] = {
		{ .pages = 1 }, { .pages = 1 }, { .pages = 1 }, { .pages = 1 },
	};
	struct kheap_batch req = {
		.entries = (uintptr_t)e, .count = 4, .entry_size = sizeof(e[0]),
	};
	struct {
		struct kheap_batch b;
		uint64_t tail;
	} big = { 0 };
	long pages = proc_value("pages_in_use");
	void *ro;

	/* Zero, huge, overflowing counts. */
	req.count = 0;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_BATCH_ALLOC, &req));
	EXPECT_EQ(EINVAL, errno);
	req.count = UINT32_MAX;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_BATCH_ALLOC, &req));
	EXPECT_EQ(EINVAL, errno);
	req.count = (UINT32_MAX / sizeof(e[0])) + 2; /* count * 16 wraps */
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_BATCH_ALLOC, &req));
	EXPECT_EQ(EINVAL, errno);
	req.count = 4;
	/* Entry size: v2 knows 16 only. */
	req.entry_size = 8;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_BATCH_ALLOC, &req));
	EXPECT_EQ(EINVAL, errno);
	req.entry_size = 32;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_BATCH_FREE, &req));
	EXPECT_EQ(EINVAL, errno);
	req.entry_size = sizeof(e[0]);
	/* Flags, reserved. */
	req.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_BATCH_ALLOC, &req));
	EXPECT_EQ(EINVAL, errno);
	req.flags = 0;
	req.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_BATCH_FREE, &req));
	EXPECT_EQ(EINVAL, errno);
	req.reserved = 0;
	/* Bad array pointers. */
	req.entries = 0;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_BATCH_ALLOC, &req));
	EXPECT_EQ(EFAULT, errno);
	req.entries = 0xffffffff81000000ull;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_BATCH_FREE, &req));
	EXPECT_EQ(EFAULT, errno);
	/* The struct itself. */
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_BATCH_ALLOC, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_BATCH_ALLOC, 8),
			    &req));
	EXPECT_EQ(EINVAL, errno);
	/* Readable, not writable array: the handles cannot go back. */
	ro = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memcpy(ro, e, sizeof(e));
	ASSERT_EQ(0, mprotect(ro, page_size, PROT_READ));
	req.entries = (uintptr_t)ro;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_BATCH_ALLOC, &req));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, page_size);
	EXPECT_EQ(pages, proc_value("pages_in_use"));

	/* Longer struct: zero tail fine, junk tail E2BIG. */
	big.b = req;
	big.b.entries = (uintptr_t)e;
	big.tail = 1;
	EXPECT_EQ(-1, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_BATCH_ALLOC,
						sizeof(big)), &big));
	EXPECT_EQ(E2BIG, errno);
	big.tail = 0;
	ASSERT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_BATCH_ALLOC,
					       sizeof(big)), &big));
	EXPECT_EQ(pages + 4, proc_value("pages_in_use"));
	ASSERT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_BATCH_FREE,
					       sizeof(big)), &big));
	EXPECT_EQ(pages, proc_value("pages_in_use"));
}

/* BATCH_FREE is all or nothing. */
TEST_F(batch, free_all_or_nothing)
{
	struct kheap_batch_entry e[6], f[6];
	long pages;
	int i;

	for (i = 0; i < 6; i++)
		e[i] = (struct kheap_batch_entry){ .pages = 1 };
	ASSERT_EQ(0, kheap_batch(self->fd, KHEAP_IOC_BATCH_ALLOC, e, 6));
	pages = proc_value("pages_in_use");

	/* An unknown handle in the middle. */
	memcpy(f, e, sizeof(f));
	f[3].offset += page_size;
	EXPECT_EQ(-ENOENT, kheap_batch(self->fd, KHEAP_IOC_BATCH_FREE, f, 6));
	EXPECT_EQ(pages, proc_value("pages_in_use"));
	/* A handle listed twice. */
	memcpy(f, e, sizeof(f));
	f[5].offset = f[1].offset;
	EXPECT_EQ(-ENOENT, kheap_batch(self->fd, KHEAP_IOC_BATCH_FREE, f, 6));
	EXPECT_EQ(pages, proc_value("pages_in_use"));
	/* Everything still there and freeable. */
	EXPECT_EQ(0, kheap_batch(self->fd, KHEAP_IOC_BATCH_FREE, e, 6));
	EXPECT_EQ(pages - 6, proc_value("pages_in_use"));
	EXPECT_EQ(-ENOENT, kheap_batch(self->fd, KHEAP_IOC_BATCH_FREE, e, 1));
}

/* A batch region mapped then freed in a batch faults like a single one. */
TEST_F(batch, freed_batch_faults)
{
	struct kheap_batch_entry e[3] = {
		{ .pages = 2 }, { .pages = 1 }, { .pages = 3 },
	};
	char *p[3];
	int i;

	catch_faults();
	ASSERT_EQ(0, kheap_batch(self->fd, KHEAP_IOC_BATCH_ALLOC, e, 3));
	for (i = 0; i < 3; i++) {
		p[i] = kheap_map(self->fd, e[i].offset, e[i].pages);
		ASSERT_NE(MAP_FAILED, p[i]);
		EXPECT_EQ(0, touch(p[i], 1));
	}
	ASSERT_EQ(0, kheap_batch(self->fd, KHEAP_IOC_BATCH_FREE, e, 3));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(SIGBUS, touch(p[i], 0));
		munmap(p[i], e[i].pages * page_size);
	}
}

TEST_F(batch, child_cannot_use_inherited_fd)
{
	struct kheap_batch_entry e = { .pages = 1 };
	pid_t pid;

	ASSERT_EQ(0, kheap_batch(self->fd, KHEAP_IOC_BATCH_ALLOC, &e, 1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct kheap_batch_entry n = { .pages = 1 };

		if (kheap_batch(self->fd, KHEAP_IOC_BATCH_ALLOC, &n, 1) !=
		    -EPERM)
			_exit(1);
		if (kheap_batch(self->fd, KHEAP_IOC_BATCH_FREE, &e, 1) !=
		    -EPERM)
			_exit(2);
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(0, kheap_batch(self->fd, KHEAP_IOC_BATCH_FREE, &e, 1));
}

TEST_F(batch, stats)
{
	struct kheap_stats st, st2;
	struct proc_row row = { 0 };
	uint64_t off = 0;
	long allocs;

	ASSERT_EQ(0, kheap_stats(self->fd, &st));
	EXPECT_EQ((uint64_t)proc_value("regions"), st.regions);
	EXPECT_EQ((uint64_t)proc_value("pages_in_use"), st.pages_in_use);
	EXPECT_EQ((uint64_t)proc_value("processes"), st.processes);
	EXPECT_EQ((uint64_t)proc_value("limit_hits"), st.limit_hits);
	EXPECT_EQ((uint64_t)proc_value("failures"), st.failures);
	EXPECT_EQ(0u, st.proc_regions);
	EXPECT_EQ(0u, st.proc_pages);
	allocs = st.allocations;

	ASSERT_EQ(0, kheap_alloc(self->fd, 7, &off));
	ASSERT_EQ(0, kheap_stats(self->fd, &st2));
	EXPECT_EQ(st.regions + 1, st2.regions);
	EXPECT_EQ(st.pages_in_use + 7, st2.pages_in_use);
	EXPECT_EQ(allocs + 1, (long)st2.allocations);
	EXPECT_EQ(1u, st2.proc_regions);
	EXPECT_EQ(7u, st2.proc_pages);
	EXPECT_LE(7u, st2.proc_peak);
	ASSERT_EQ(1, proc_row(getpid(), &row));
	EXPECT_EQ(7, row.pages);
	EXPECT_EQ(1, row.regions);

	ASSERT_EQ(0, kheap_free(self->fd, off));
	ASSERT_EQ(0, kheap_stats(self->fd, &st2));
	EXPECT_EQ(0u, st2.proc_pages);
	EXPECT_EQ(st.frees + 1, st2.frees);
}

TEST_F(batch, stats_sizes)
{
	unsigned char buf[sizeof(struct kheap_stats) + 16];
	struct kheap_stats *st = (struct kheap_stats *)buf;

	/* Older, shorter struct: only its bytes are written. */
	memset(buf, 0, sizeof(buf));
	memset(buf + 16, 0xff, sizeof(buf) - 16);
	ASSERT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_STATS, 16), buf));
	EXPECT_TRUE(all_bytes((char *)buf + 16, sizeof(buf) - 16, 0xff));
	/* Too short for any version. */
	EXPECT_EQ(-1, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_STATS, 8), buf));
	EXPECT_EQ(EINVAL, errno);
	/* Newer, longer struct: zero tail in, zero tail out. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_STATS, sizeof(buf)),
			   buf));
	EXPECT_TRUE(all_bytes((char *)buf + sizeof(*st), 16, 0));
	buf[sizeof(buf) - 1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, CMD_SIZED(KHEAP_IOC_STATS, sizeof(buf)),
			    buf));
	EXPECT_EQ(E2BIG, errno);
	/* Flags and reserved. */
	memset(buf, 0, sizeof(buf));
	st->flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_STATS, st));
	EXPECT_EQ(EINVAL, errno);
	st->flags = 0;
	st->reserved = 2;
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_STATS, st));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KHEAP_IOC_STATS, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* Wrong direction. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(KHEAP_IOC_MAGIC, 0x85,
					   struct kheap_stats), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(KHEAP_IOC_MAGIC, 0x83,
					    struct kheap_batch), buf));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
