// SPDX-License-Identifier: GPL-2.0
/*
 * kheap selftests: the per-process, total and per-region limits.
 *
 * A request over the per-process or total limit fails with ENOMEM and
 * changes nothing but limit_hits (global and the process's row): not the
 * pages, not the regions, not failures, not allocations.
 */
#include "kheap_util.h"

FIXTURE(limits) {
	int fd;
	long per_process, total, per_region;
};

FIXTURE_SETUP(limits)
{
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

struct snap {
	long pages, regions, allocations, failures, limit_hits;
	struct proc_row row;
};

static void take(struct snap *s)
{
	s->pages = proc_value("pages_in_use");
	s->regions = proc_value("regions");
	s->allocations = proc_value("allocations");
	s->failures = proc_value("failures");
	s->limit_hits = proc_value("limit_hits");
	memset(&s->row, 0, sizeof(s->row));
	proc_row(getpid(), &s->row);
}

/* Exactly one more limit hit, and nothing else moved. */
#define EXPECT_ONE_LIMIT_HIT(a, b) do {					\
	EXPECT_EQ((a).pages, (b).pages);				\
	EXPECT_EQ((a).regions, (b).regions);				\
	EXPECT_EQ((a).allocations, (b).allocations);			\
	EXPECT_EQ((a).failures, (b).failures);				\
	EXPECT_EQ((a).limit_hits + 1, (b).limit_hits);			\
	EXPECT_EQ((a).row.pages, (b).row.pages);			\
	EXPECT_EQ((a).row.regions, (b).row.regions);			\
	EXPECT_EQ((a).row.failures, (b).row.failures);			\
	EXPECT_EQ((a).row.limit_hits + 1, (b).row.limit_hits);		\
} while (0)

TEST_F(limits, per_process)
{
	struct kheap_batch_entry e[3] = {
		{ .pages = 1 }, { .pages = 1 }, { .pages = 1 },
	};
	struct kheap_info info;
	struct kheap_stats st;
	struct snap a, b;
	uint64_t x = 0, y = 0;

	ASSERT_EQ(0, write_param("max_pages_per_process", 10));
	ASSERT_EQ(0, ioctl(self->fd, KHEAP_IOC_INFO, &info));
	EXPECT_EQ(10u, info.max_pages_per_process);

	ASSERT_EQ(0, kheap_alloc(self->fd, 8, &x));
	take(&a);
	EXPECT_EQ(-ENOMEM, kheap_alloc(self->fd, 3, &y));
	take(&b);
	EXPECT_ONE_LIMIT_HIT(a, b);
	EXPECT_EQ(8, b.row.pages);

	/* A batch counts its sum: 3 > 2 left, though each entry fits. */
	EXPECT_EQ(-ENOMEM, kheap_batch(self->fd, KHEAP_IOC_BATCH_ALLOC, e, 3));
	take(&a);
	EXPECT_ONE_LIMIT_HIT(b, a);
	ASSERT_EQ(0, kheap_stats(self->fd, &st));
	EXPECT_EQ(2u, st.proc_limit_hits);
	EXPECT_EQ((uint64_t)a.limit_hits, st.limit_hits);

	/* Exactly up to the limit works, freeing makes room again. */
	EXPECT_EQ(0, kheap_batch(self->fd, KHEAP_IOC_BATCH_ALLOC, e, 2));
	EXPECT_EQ(-ENOMEM, kheap_alloc(self->fd, 1, &y));
	EXPECT_EQ(0, kheap_free(self->fd, x));
	EXPECT_EQ(0, kheap_alloc(self->fd, 8, &x));
}

/* The limit is per process: all files of a process count together. */
TEST_F(limits, per_process_all_files)
{
	uint64_t x = 0;
	int fd2;

	ASSERT_EQ(0, write_param("max_pages_per_process", 6));
	fd2 = kheap_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, kheap_alloc(self->fd, 4, &x));
	EXPECT_EQ(-ENOMEM, kheap_alloc(fd2, 3, &x));
	EXPECT_EQ(0, kheap_alloc(fd2, 2, &x));
	close(fd2);
}

TEST_F(limits, total)
{
	long in_use = proc_value("pages_in_use");
	struct snap a, b;
	uint64_t x = 0;

	ASSERT_LE(0, in_use);
	ASSERT_EQ(0, write_param("max_pages_total", in_use + 4));
	take(&a);
	EXPECT_EQ(-ENOMEM, kheap_alloc(self->fd, 5, &x));
	take(&b);
	EXPECT_ONE_LIMIT_HIT(a, b);
	EXPECT_EQ(0, kheap_alloc(self->fd, 4, &x));
	EXPECT_EQ(-ENOMEM, kheap_alloc(self->fd, 1, &x));
}

/* Another process is bound by the total too. */
TEST_F(limits, total_across_processes)
{
	long in_use = proc_value("pages_in_use");
	uint64_t x = 0;
	pid_t pid;

	ASSERT_EQ(0, write_param("max_pages_total", in_use + 3));
	ASSERT_EQ(0, kheap_alloc(self->fd, 2, &x));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = kheap_open();
		uint64_t y = 0;

		if (fd < 0)
			_exit(1);
		if (kheap_alloc(fd, 2, &y) != -ENOMEM)
			_exit(2);
		_exit(kheap_alloc(fd, 1, &y) ? 3 : 0);
	}
	EXPECT_EQ(0, wait_child(pid));
}

/* Lowering a limit below what is held takes nothing away. */
TEST_F(limits, lowering_keeps_memory)
{
	uint64_t x = 0;
	char *p;

	p = alloc_map(_metadata, self->fd, 4, &x, 0x33);
	ASSERT_EQ(0, write_param("max_pages_per_process", 1));
	EXPECT_TRUE(all_bytes(p, 4 * page_size, 0x33));
	EXPECT_EQ(-ENOMEM, kheap_alloc(self->fd, 1, &x));
	munmap(p, 4 * page_size);
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

/* Only root changes the limits. */
TEST_F(limits, unprivileged_cannot_change)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(1);
		if (write_param("max_pages_total", 1) != -EACCES)
			_exit(2);
		if (write_param("max_pages_per_process", 1) != -EACCES)
			_exit(3);
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(self->total, read_param("max_pages_total"));
}

TEST_HARNESS_MAIN
