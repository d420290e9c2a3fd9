// SPDX-License-Identifier: GPL-2.0
/*
 * kheap_fuzz: throw random syscalls at /dev/kheap from several processes
 * for a bounded time, kill some of them mid-flight, then prove the kernel
 * is back exactly where it started.
 *
 * Each worker process loops over random operations: ioctls with random
 * command numbers (near kheap's and elsewhere), random struct sizes encoded
 * in the number and random argument bytes or bad pointers; valid
 * allocations so that the rest has something to chew on; mmap, munmap,
 * mremap, mprotect and madvise of kheap mappings with random offsets,
 * lengths and flags; touching mappings (a SIGBUS or SIGSEGV from a freed
 * region is expected and survived); frees of real and made-up handles;
 * fork with the child doing the same and exiting; closing and reopening.
 * The parent SIGKILLs a random worker now and then and starts another.
 *
 * The kernel must not splat (the VM runner checks the log), and at the end
 * /proc/kheap must show the baseline: no region, no page, no process.
 *
 * Usage: kheap_fuzz [SECONDS [WORKERS [SEED]]]   (TAP on stdout)
 * SECONDS defaults to $KHEAP_FUZZ_SECONDS, else 20: in the test guest the
 * variable comes from the kernel command line, which hands unknown
 * name=value words to init's environment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kheap.h>

#define DEV_PATH	"/dev/kheap"
#define MAX_WORKERS	64

enum { MAPS = 16, HANDLES = 32, FDS = 3 };

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ----------------------------------------------------- worker state -- */

struct mapping {
	unsigned char *addr;
	size_t len;
};

/* Operations of all workers, killed ones included: shared memory. */
static unsigned long *ops_done;
static int fds[FDS];
static uint64_t handles[HANDLES];
static uint64_t handle_pages[HANDLES];
static struct mapping maps[MAPS];
static long page;
/* A page followed by an unmapped one: arguments that run off the end. */
static unsigned char *edge;

static sigjmp_buf touch_env;
static volatile sig_atomic_t touching;

static void on_fault(int sig)
{
	if (!touching)
		_exit(128 + sig);
	siglongjmp(touch_env, 1);
}

static int any_fd(void)
{
	return fds[below(FDS)];
}

/* A pointer argument: mostly a buffer of random bytes, sometimes poison. */
static void *random_arg(unsigned char *buf, size_t len)
{
	switch (below(10)) {
	case 0:
		return NULL;
	case 1:
		return (void *)0xffff888000000000ull;	/* kernel address */
	case 2:
		return edge + page - below(16);		/* runs into a hole */
	case 3:
		return (void *)(uintptr_t)1;
	default:
		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)rnd();
		/* Small page counts up front, so that some calls succeed. */
		if (below(2))
			*(uint64_t *)buf = 1 + below(8);
		return buf;
	}
}

static void op_random_ioctl(void)
{
	unsigned char buf[256];
	unsigned int dir = below(4), nr, type, size = below(129);

	if (below(4)) {
		type = KHEAP_IOC_MAGIC;
		nr = 0x80 + below(24);
	} else {
		type = below(256);
		nr = below(256);
	}
	ioctl(any_fd(), _IOC(dir, type, nr, size), random_arg(buf, sizeof(buf)));
}

static void op_alloc(void)
{
	struct kheap_alloc req = { .pages = 1 + below(below(4) ? 4 : 64) };
	unsigned slot = below(HANDLES);

	if (ioctl(any_fd(), KHEAP_IOC_ALLOC, &req) == 0) {
		handles[slot] = req.offset;
		handle_pages[slot] = req.pages;
	}
}

static void op_free(void)
{
	unsigned slot = below(HANDLES);
	struct kheap_free req = {
		.offset = below(8) ? handles[slot] : rnd(),
		.flags = below(16) ? 0 : rnd(),
	};

	ioctl(any_fd(), KHEAP_IOC_FREE, &req);
}

static void op_mmap(void)
{
	unsigned slot = below(HANDLES), m = below(MAPS);
	size_t len = handle_pages[slot] * page;
	off_t offset = handles[slot];
	int prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED;
	void *addr;

	switch (below(8)) {
	case 0:
		len = page * below(8);
		break;
	case 1:
		offset += page * (1 + below(4));
		break;
	case 2:
		flags = MAP_PRIVATE;
		break;
	case 3:
		prot = below(8);
		break;
	}
	addr = mmap(NULL, len, prot, flags, any_fd(), offset);
	if (addr == MAP_FAILED)
		return;
	if (maps[m].addr)
		munmap(maps[m].addr, maps[m].len);
	maps[m].addr = addr;
	maps[m].len = len;
}

static void op_touch(void)
{
	struct mapping *m = &maps[below(MAPS)];

	if (!m->addr || !m->len)
		return;
	touching = 1;
	if (!sigsetjmp(touch_env, 1)) {
		size_t at = below(m->len);

		m->addr[at] = (unsigned char)(m->addr[at] + 1);
	}
	touching = 0;
}

static void op_reshape(void)
{
	struct mapping *m = &maps[below(MAPS)];
	void *moved;

	if (!m->addr)
		return;
	switch (below(6)) {
	case 0:		/* partial unmap: a split the module should refuse */
		munmap(m->addr + page * below(m->len / page + 1), page);
		break;
	case 1:
		moved = mremap(m->addr, m->len, m->len + page * (1 + below(4)),
			       MREMAP_MAYMOVE);
		if (moved != MAP_FAILED) {
			m->addr = moved;
			m->len += page;
		}
		break;
	case 2:
		moved = mremap(m->addr, m->len, m->len, MREMAP_MAYMOVE | MREMAP_FIXED,
			       (void *)(0x500000000000ull + below(1 << 20) * page));
		if (moved != MAP_FAILED)
			m->addr = moved;
		break;
	case 3:
		mprotect(m->addr, m->len, below(8));
		break;
	case 4:
		madvise(m->addr, m->len, (int[]){ MADV_DONTNEED, MADV_DOFORK,
			MADV_DONTFORK, MADV_WILLNEED, MADV_REMOVE }[below(5)]);
		break;
	default:
		munmap(m->addr, m->len);
		m->addr = NULL;
		break;
	}
}

static void op_reopen(void)
{
	unsigned i = below(FDS);

	close(fds[i]);
	fds[i] = open(DEV_PATH, O_RDWR | O_CLOEXEC);
}

static void worker_loop(double deadline);

static void op_fork(double deadline)
{
	pid_t child = fork();

	if (child == 0) {
		double end = now() + 0.05;

		worker_loop(end < deadline ? end : deadline);
		_exit(0);
	}
	if (child > 0 && below(2))
		kill(child, SIGKILL);
	if (child > 0)
		waitpid(child, NULL, 0);
}

static void worker_loop(double deadline)
{
	while (now() < deadline) {
		switch (below(20)) {
		case 0: case 1: case 2: case 3:
			op_random_ioctl();
			break;
		case 4: case 5: case 6:
			op_alloc();
			break;
		case 7: case 8:
			op_free();
			break;
		case 9: case 10: case 11:
			op_mmap();
			break;
		case 12: case 13: case 14:
			op_touch();
			break;
		case 15: case 16:
			op_reshape();
			break;
		case 17:
			op_reopen();
			break;
		case 18:
			if (below(8) == 0)
				op_fork(deadline);
			break;
		default:
			ioctl(any_fd(), KHEAP_IOC_INFO, (struct kheap_info[1]){});
			break;
		}
		__atomic_fetch_add(ops_done, 1, __ATOMIC_RELAXED);
	}
}

static void worker(double deadline, uint64_t seed)
{
	rng = seed | 1;
	signal(SIGBUS, on_fault);
	signal(SIGSEGV, on_fault);
	edge = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (edge == MAP_FAILED)
		_exit(2);
	munmap(edge + page, page);
	for (int i = 0; i < FDS; i++)
		fds[i] = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	worker_loop(deadline);
	_exit(0);
}

/* ------------------------------------------------------------ parent -- */

/* The figure after "key:" in /proc/kheap, -1 when missing. */
static long proc_figure(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long value = -1;
	FILE *f = fopen("/proc/kheap", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			value = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return value;
}

int main(int argc, char **argv)
{
	const char *env_seconds = getenv("KHEAP_FUZZ_SECONDS");
	double seconds = argc > 1 ? atof(argv[1]) : env_seconds ? atof(env_seconds) : 20;
	int workers = argc > 2 ? atoi(argv[2]) : 4;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : (uint64_t)time(NULL);
	const char *figures[] = { "regions", "pages_in_use", "processes" };
	long baseline[3];
	pid_t pid[MAX_WORKERS];
	unsigned long kills = 0, spawned = 0;
	int failed = 0;
	double deadline;

	page = sysconf(_SC_PAGESIZE);
	ops_done = mmap(NULL, sizeof(*ops_done), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (workers < 1 || workers > MAX_WORKERS || ops_done == MAP_FAILED) {
		fprintf(stderr, "usage: %s [SECONDS [WORKERS(1..%d) [SEED]]]\n",
			argv[0], MAX_WORKERS);
		return 2;
	}
	printf("TAP version 13\n1..2\n# seed %#llx, %d workers, %.0f s\n",
	       (unsigned long long)seed, workers, seconds);
	fflush(stdout);
	for (int i = 0; i < 3; i++)
		baseline[i] = proc_figure(figures[i]);

	rng = seed | 1;
	deadline = now() + seconds;
	for (int i = 0; i < workers; i++) {
		uint64_t worker_seed = rnd();

		pid[i] = fork();
		if (pid[i] == 0)
			worker(deadline, worker_seed);
		spawned++;
	}
	while (now() < deadline) {
		usleep(20000 + below(80000));
		int victim = below(workers);
		uint64_t worker_seed = rnd();

		kill(pid[victim], SIGKILL);
		waitpid(pid[victim], NULL, 0);
		kills++;
		pid[victim] = fork();
		if (pid[victim] == 0)
			worker(deadline, worker_seed);
		spawned++;
	}
	for (int i = 0; i < workers; i++)
		waitpid(pid[i], NULL, 0);

	printf("ok 1 - fuzz: %lu operations by %lu processes (%lu killed) survived\n",
	       *ops_done, spawned, kills);
	for (int i = 0; i < 3; i++) {
		long value = proc_figure(figures[i]);

		if (value != baseline[i] || value < 0) {
			printf("# /proc/kheap %s: %ld, baseline %ld\n", figures[i],
			       value, baseline[i]);
			failed = 1;
		}
	}
	printf("%sok 2 - fuzz: /proc/kheap back at its baseline (pages leaked: %ld)\n",
	       failed ? "not " : "", proc_figure("pages_in_use") - baseline[1]);
	return failed;
}
