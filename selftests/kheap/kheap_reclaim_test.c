// SPDX-License-Identifier: GPL-2.0
/*
 * kheap selftests: reclaim and concurrency, unload, permissions.
 *
 *  - a storm of 200 processes (4 waves of 50) SIGKILLed while holding
 *    regions, half of them idle, half in the middle of alloc/map/free:
 *    /proc/kheap is back to its baseline exactly afterwards;
 *  - threads of one process allocating, mapping and freeing at once;
 *  - the module cannot be unloaded while a descriptor or a mapping lives;
 *  - /dev/kheap has the mode of the "mode" parameter, and an unprivileged
 *    user can open it or not according to the node's mode.
 */
#include <sys/syscall.h>

#include "kheap_util.h"

#define WAVES		4
#define PER_WAVE	50

/* Idle holder: two regions, one mapped and dirty; then wait for death. */
static void idle_holder(int ready)
{
	struct kheap_batch_entry e[2] = { { .pages = 3 }, { .pages = 2 } };
	int fd = kheap_open();
	char *p;

	if (fd < 0 || kheap_batch(fd, KHEAP_IOC_BATCH_ALLOC, e, 2))
		_exit(1);
	p = kheap_map(fd, e[0].offset, 3);
	if (p == MAP_FAILED)
		_exit(2);
	memset(p, 0xee, 3 * page_size);
	pipe_send(ready, 'r');
	for (;;)
		pause();
}

/*
 * Busy holder: allocates, maps, touches and frees (still mapped, so the
 * free zaps) until killed. It holds up to BUSY_HELD regions and one batch
 * at a time, the oldest going first, so that it dies holding some but
 * cannot outgrow the guest's memory however fast it loops.
 */
#define BUSY_HELD	8

static void busy_holder(int ready)
{
	struct { uint64_t offset; char *map; size_t size; } held[BUSY_HELD];
	struct kheap_batch_entry batch[4];
	bool batch_held = false;
	int fd = kheap_open();
	unsigned int i;

	if (fd < 0)
		_exit(1);
	pipe_send(ready, 'r');
	for (i = 0;; i++) {
		unsigned int pages = 1 + i % 5, slot = i % BUSY_HELD;
		int j;

		if (i >= BUSY_HELD) {
			if (kheap_free(fd, held[slot].offset))
				_exit(3);
			munmap(held[slot].map, held[slot].size);
		}
		held[slot].size = pages * page_size;
		if (kheap_alloc(fd, pages, &held[slot].offset))
			_exit(4);
		held[slot].map = kheap_map(fd, held[slot].offset, pages);
		if (held[slot].map == MAP_FAILED)
			_exit(5);
		held[slot].map[0] = 1;
		if (batch_held && kheap_batch(fd, KHEAP_IOC_BATCH_FREE, batch, 4))
			_exit(6);
		for (j = 0; j < 4; j++)
			batch[j] = (struct kheap_batch_entry){ .pages = 1 + j };
		batch_held = !kheap_batch(fd, KHEAP_IOC_BATCH_ALLOC, batch, 4);
	}
}

/*
 * The storm and the threads test do real work: under a debug kernel
 * (KASAN, lockdep) on a loaded host they need more than the harness's
 * default 30 s, and only fixture tests may set their own timeout.
 */
FIXTURE(heavy) {};
FIXTURE_SETUP(heavy) {}
FIXTURE_TEARDOWN(heavy) {}

TEST_F_TIMEOUT(heavy, sigkill_storm, 300)
{
	struct proc_base before, after;
	pid_t pids[PER_WAVE];
	int wave, i, pipefd[2];

	page_size = sysconf(_SC_PAGESIZE);
	proc_base(&before);
	ASSERT_LE(0, before.pages);
	ASSERT_EQ(0, pipe(pipefd));

	for (wave = 0; wave < WAVES; wave++) {
		for (i = 0; i < PER_WAVE; i++) {
			pids[i] = fork();
			ASSERT_LE(0, pids[i]);
			if (!pids[i]) {
				close(pipefd[0]);
				if (i & 1)
					busy_holder(pipefd[1]);
				idle_holder(pipefd[1]);
			}
		}
		for (i = 0; i < PER_WAVE; i++)
			ASSERT_EQ('r', pipe_recv(pipefd[0]));
		/* Every idle holder holds its 5 pages at least. */
		EXPECT_LE(before.pages + PER_WAVE / 2 * 5,
			  proc_value("pages_in_use"));
		for (i = 0; i < PER_WAVE; i++)
			kill(pids[i], SIGKILL);
		for (i = 0; i < PER_WAVE; i++)
			EXPECT_EQ(100 + SIGKILL, wait_child(pids[i]));
	}
	proc_base(&after);
	EXPECT_EQ(before.regions, after.regions);
	EXPECT_EQ(before.pages, after.pages);
	EXPECT_EQ(before.processes, after.processes);
	EXPECT_EQ(before.rows, after.rows);
	close(pipefd[0]);
	close(pipefd[1]);
}

struct worker {
	int fd;
	int errors;
	unsigned int seed;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	int round;

	for (round = 0; round < 100; round++) {
		unsigned int n = 1 + rand_r(&w->seed) % 4;
		struct kheap_batch_entry e[4];
		uint64_t off = 0;
		unsigned int i;
		char *p;

		if (kheap_alloc(w->fd, n, &off)) {
			w->errors++;
			continue;
		}
		p = kheap_map(w->fd, off, n);
		if (p == MAP_FAILED) {
			w->errors++;
		} else {
			if (!all_bytes(p, n * page_size, 0))
				w->errors++;
			memset(p, round, n * page_size);
			if (!all_bytes(p, n * page_size, round))
				w->errors++;
			munmap(p, n * page_size);
		}
		if (kheap_free(w->fd, off))
			w->errors++;
		for (i = 0; i < n; i++)
			e[i].pages = i + 1;
		if (kheap_batch(w->fd, KHEAP_IOC_BATCH_ALLOC, e, n) ||
		    kheap_batch(w->fd, KHEAP_IOC_BATCH_FREE, e, n))
			w->errors++;
	}
	return NULL;
}

/* Threads share one process and one file: allocate and free at once. */
TEST_F_TIMEOUT(heavy, threads, 300)
{
	struct proc_base before, after;
	struct worker w[8];
	pthread_t t[8];
	struct proc_row row;
	int fd, i;

	proc_base(&before);
	fd = kheap_open();
	ASSERT_LE(0, fd);
	for (i = 0; i < 8; i++) {
		w[i] = (struct worker){ .fd = fd, .seed = i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_fn, &w[i]));
	}
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, w[i].errors);
	}
	/* One row for the whole thread group. */
	EXPECT_EQ(1, proc_row(getpid(), &row));
	EXPECT_EQ(0, row.pages);
	EXPECT_EQ(0, row.regions);
	close(fd);
	proc_base(&after);
	EXPECT_EQ(before.regions, after.regions);
	EXPECT_EQ(before.pages, after.pages);
	EXPECT_EQ(before.processes, after.processes);
	EXPECT_EQ(before.rows, after.rows);
}

static int try_unload(void)
{
	if (syscall(SYS_delete_module, "kheap", O_NONBLOCK) == 0)
		return 0;
	return errno;
}

/* The module stays while a descriptor or a mapping of it lives. */
TEST(unload_refused_while_open)
{
	uint64_t off = 0;
	int fd, err;
	char *p;

	fd = kheap_open();
	ASSERT_LE(0, fd);
	err = try_unload();
	EXPECT_TRUE(err == EBUSY || err == EAGAIN) TH_LOG("errno %d", err);
	ASSERT_NE(0, err);

	ASSERT_EQ(0, kheap_alloc(fd, 1, &off));
	p = kheap_map(fd, off, 1);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	/* Only the mapping is left: still refused. */
	err = try_unload();
	EXPECT_TRUE(err == EBUSY || err == EAGAIN) TH_LOG("errno %d", err);
	ASSERT_NE(0, err);
	p[0] = 1;
	munmap(p, page_size);
}

TEST(device_mode_is_param)
{
	struct stat st;
	long mode = read_param("mode");

	ASSERT_LE(0, mode);
	ASSERT_EQ(0, stat(DEV_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(mode, (long)(st.st_mode & 07777));
}

static int open_as_nobody(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		uint64_t off = 0;
		int fd;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		fd = kheap_open();
		if (fd < 0)
			_exit(errno == EACCES ? 1 : 11);
		/* Opened: it works, within the limits. */
		if (kheap_alloc(fd, 1, &off) || kheap_free(fd, off))
			_exit(12);
		_exit(0);
	}
	return wait_child(pid);
}

/*
 * The "mode" parameter is read at load time only, so one guest boot tests
 * it as above; here the node's mode is changed with chmod, as udev would,
 * and an unprivileged user follows it.
 */
TEST(unprivileged_open_follows_mode)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEV_PATH, &st));
	ASSERT_EQ(0, chmod(DEV_PATH, 0666));
	EXPECT_EQ(0, open_as_nobody());
	ASSERT_EQ(0, chmod(DEV_PATH, 0600));
	EXPECT_EQ(1, open_as_nobody());
	ASSERT_EQ(0, chmod(DEV_PATH, 0660));
	EXPECT_EQ(1, open_as_nobody());
	ASSERT_EQ(0, chmod(DEV_PATH, st.st_mode & 07777));
}

TEST_HARNESS_MAIN
