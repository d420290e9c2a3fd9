// SPDX-License-Identifier: GPL-2.0
/*
 * kheap selftests: fork.  A child gets a private copy of every kheap
 * mapping of its parent (like anonymous memory), charged to the child and
 * reclaimed when it unmaps it or exits.  The inherited descriptor stays
 * the parent's: the child cannot ALLOC, FREE or mmap through it.
 */
#include "kheap_util.h"

FIXTURE(fork) {
	int fd;
	int to_child[2], to_parent[2];
	struct proc_base base;
	long total;
};

FIXTURE_SETUP(fork)
{
	self->total = read_param("max_pages_total");
	proc_base(&self->base);
	KHEAP_OPEN_OR_SKIP(self->fd);
	ASSERT_EQ(0, pipe(self->to_child));
	ASSERT_EQ(0, pipe(self->to_parent));
}

FIXTURE_TEARDOWN(fork)
{
	if (self->total > 0)
		write_param("max_pages_total", self->total);
	if (self->fd >= 0)
		close(self->fd);
}

#define CHILD_CHECK(cond, code) do { if (!(cond)) _exit(code); } while (0)

TEST_F(fork, private_copy)
{
	const uint64_t pages = 3;
	struct proc_row row;
	uint64_t off = 0, unmapped = 0, x = 0;
	struct kheap_info info;
	pid_t pid;
	char *p;

	ASSERT_EQ(0, kheap_alloc(self->fd, pages, &off));
	ASSERT_EQ(0, kheap_alloc(self->fd, 2, &unmapped));
	p = kheap_map(self->fd, off, pages);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0xa1, pages * page_size);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		catch_faults();
		/* The parent's data, in the child's own copy. */
		CHILD_CHECK(all_bytes(p, pages * page_size, 0xa1), 1);
		CHILD_CHECK(!pipe_send(self->to_parent[1], 'r'), 2);
		CHILD_CHECK(pipe_recv(self->to_child[0]) == 'w', 3);
		/* The parent wrote 0xb2: not here. */
		CHILD_CHECK(all_bytes(p, pages * page_size, 0xa1), 4);
		memset(p, 0xc3, pages * page_size);
		CHILD_CHECK(!pipe_send(self->to_parent[1], 'c'), 5);
		CHILD_CHECK(pipe_recv(self->to_child[0]) == 'f', 6);
		/* The parent freed its region: the copy stays. */
		CHILD_CHECK(all_bytes(p, pages * page_size, 0xc3), 7);
		CHILD_CHECK(touch(p + page_size, 1) == 0, 8);
		/* The inherited fd is the parent's. */
		CHILD_CHECK(ioctl(self->fd, KHEAP_IOC_INFO, &info) == 0, 9);
		CHILD_CHECK(kheap_free(self->fd, unmapped) == -EPERM, 10);
		CHILD_CHECK(kheap_alloc(self->fd, 1, &x) == -EPERM, 11);
		CHILD_CHECK(kheap_map(self->fd, unmapped, 2) == MAP_FAILED &&
			    errno == EPERM, 12);
		_exit(0);
	}
	ASSERT_EQ('r', pipe_recv(self->to_parent[0]));
	/* The copy is the child's: its own row, 1 region of 3 pages. */
	ASSERT_EQ(1, proc_row(pid, &row));
	EXPECT_EQ(1, row.regions);
	EXPECT_EQ((long)pages, row.pages);
	EXPECT_EQ(self->base.regions + 3, proc_value("regions"));
	EXPECT_EQ(self->base.pages + 2 * (long)pages + 2,
		  proc_value("pages_in_use"));
	EXPECT_EQ(self->base.processes + 2, proc_value("processes"));
	ASSERT_EQ(1, proc_row(getpid(), &row));
	EXPECT_EQ((long)pages + 2, row.pages);

	memset(p, 0xb2, pages * page_size);
	ASSERT_EQ(0, pipe_send(self->to_child[1], 'w'));
	ASSERT_EQ('c', pipe_recv(self->to_parent[0]));
	/* The child wrote 0xc3: not here. */
	EXPECT_TRUE(all_bytes(p, pages * page_size, 0xb2));
	munmap(p, pages * page_size);
	ASSERT_EQ(0, kheap_free(self->fd, off));
	ASSERT_EQ(0, pipe_send(self->to_child[1], 'f'));

	EXPECT_EQ(0, wait_child(pid));
	/* The child's copy went with it. */
	EXPECT_EQ(0, proc_row(pid, &row));
	EXPECT_EQ(self->base.regions + 1, proc_value("regions"));
	EXPECT_EQ(self->base.pages + 2, proc_value("pages_in_use"));
	EXPECT_EQ(self->base.processes + 1, proc_value("processes"));
	EXPECT_EQ(0, kheap_free(self->fd, unmapped));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(self->base.regions, proc_value("regions"));
	EXPECT_EQ(self->base.pages, proc_value("pages_in_use"));
	EXPECT_EQ(self->base.processes, proc_value("processes"));
	EXPECT_EQ(self->base.rows, proc_row(0, NULL));
}

/* munmap() in the child returns the copy at once; so does exec. */
TEST_F(fork, child_munmap_releases_copy)
{
	uint64_t off = 0;
	pid_t pid;
	char *p;

	p = alloc_map(_metadata, self->fd, 4, &off, 0x11);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		CHILD_CHECK(p[0] == 0x11, 1);
		CHILD_CHECK(!pipe_send(self->to_parent[1], 'r'), 2);
		CHILD_CHECK(pipe_recv(self->to_child[0]) == 'u', 3);
		CHILD_CHECK(!munmap(p, 4 * page_size), 4);
		CHILD_CHECK(!pipe_send(self->to_parent[1], 'd'), 5);
		CHILD_CHECK(pipe_recv(self->to_child[0]) == 'x', 6);
		execl("/bin/true", "true", (char *)NULL);
		_exit(0);
	}
	ASSERT_EQ('r', pipe_recv(self->to_parent[0]));
	EXPECT_EQ(self->base.pages + 8, proc_value("pages_in_use"));
	ASSERT_EQ(0, pipe_send(self->to_child[1], 'u'));
	ASSERT_EQ('d', pipe_recv(self->to_parent[0]));
	EXPECT_EQ(self->base.pages + 4, proc_value("pages_in_use"));
	EXPECT_EQ(self->base.regions + 1, proc_value("regions"));
	ASSERT_EQ(0, pipe_send(self->to_child[1], 'x'));
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(self->base.processes + 1, proc_value("processes"));
	EXPECT_TRUE(all_bytes(p, 4 * page_size, 0x11));
	munmap(p, 4 * page_size);
}

/* A grandchild copies the child's copy; mremap moves a copy whole. */
TEST_F(fork, grandchild_and_mremap)
{
	uint64_t off = 0;
	pid_t pid;
	char *p;

	p = alloc_map(_metadata, self->fd, 2, &off, 0x21);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *q, *t;
		pid_t gc;

		memset(p, 0x22, page_size);
		gc = fork();
		CHILD_CHECK(gc >= 0, 1);
		if (!gc) {
			if (!all_bytes(p, page_size, 0x22) ||
			    !all_bytes(p + page_size, page_size, 0x21))
				_exit(1);
			memset(p, 0x23, 2 * page_size);
			_exit(0);
		}
		CHILD_CHECK(wait_child(gc) == 0, 2);
		CHILD_CHECK(all_bytes(p, page_size, 0x22), 3);
		t = mmap(NULL, 2 * page_size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHILD_CHECK(t != MAP_FAILED, 4);
		q = mremap(p, 2 * page_size, 2 * page_size,
			   MREMAP_MAYMOVE | MREMAP_FIXED, t);
		CHILD_CHECK(q == t, 5);
		CHILD_CHECK(all_bytes(q + page_size, page_size, 0x21), 6);
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_TRUE(all_bytes(p, 2 * page_size, 0x21));
	EXPECT_EQ(self->base.pages + 2, proc_value("pages_in_use"));
	EXPECT_EQ(self->base.processes + 1, proc_value("processes"));
	munmap(p, 2 * page_size);
}

/*
 * A copy over the total limit is not made: fork() succeeds, the child's
 * mapping raises SIGBUS, a limit hit is counted, nothing leaks.
 */
TEST_F(fork, copy_over_limit)
{
	long hits = proc_value("limit_hits");
	uint64_t off = 0;
	pid_t pid;
	char *p;

	p = alloc_map(_metadata, self->fd, 4, &off, -1);
	p[0] = 1;
	ASSERT_EQ(0, write_param("max_pages_total",
				 proc_value("pages_in_use") + 3));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		catch_faults();
		_exit(touch(p, 0) == SIGBUS ? 0 : 1);
	}
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(hits + 1, proc_value("limit_hits"));
	EXPECT_EQ(self->base.pages + 4, proc_value("pages_in_use"));
	EXPECT_EQ(self->base.processes + 1, proc_value("processes"));
	EXPECT_EQ(1, p[0]);
	munmap(p, 4 * page_size);
}

/* A region the parent freed before fork stays dead in the child. */
TEST_F(fork, freed_before_fork)
{
	uint64_t off = 0;
	pid_t pid;
	char *p;

	catch_faults();
	p = alloc_map(_metadata, self->fd, 1, &off, -1);
	ASSERT_EQ(0, kheap_free(self->fd, off));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(touch(p, 0) == SIGBUS ? 0 : 1);
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(SIGBUS, touch(p, 0));
	EXPECT_EQ(self->base.pages, proc_value("pages_in_use"));
	munmap(p, page_size);
}

/* The library's way: the child replaces each copy by a region of its own. */
TEST_F(fork, child_privatizes)
{
	uint64_t off = 0;
	pid_t pid;
	char *p;

	p = alloc_map(_metadata, self->fd, 2, &off, 0x44);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t mine = 0;
		char *q;
		int fd = kheap_open();

		CHILD_CHECK(fd >= 0, 1);
		CHILD_CHECK(!kheap_alloc(fd, 2, &mine), 2);
		q = kheap_map(fd, mine, 2);
		CHILD_CHECK(q != MAP_FAILED, 3);
		memcpy(q, p, 2 * page_size);
		CHILD_CHECK(mremap(q, 2 * page_size, 2 * page_size,
				   MREMAP_MAYMOVE | MREMAP_FIXED, p) == p, 4);
		CHILD_CHECK(all_bytes(p, 2 * page_size, 0x44), 5);
		CHILD_CHECK(!kheap_free(fd, mine), 6);
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(self->base.pages + 2, proc_value("pages_in_use"));
	EXPECT_EQ(self->base.processes + 1, proc_value("processes"));
	munmap(p, 2 * page_size);
}

TEST_HARNESS_MAIN
