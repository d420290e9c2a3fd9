// SPDX-License-Identifier: GPL-2.0
/*
 * kheap_soak: the library and the module under pressure together.
 *
 * WORKERS processes of THREADS threads each allocate, resize, write,
 * verify and free blocks of random sizes through libkheapclient on the
 * device backend for SECONDS, while the module's global page limit is set
 * just below what they would like to hold. Allocations then fail with
 * ENOMEM now and then: each failure must be a clean NULL, and every byte
 * of every block that was handed out must read back as written. The
 * parent SIGKILLs a worker now and then (pages must come back) and
 * restores the limit at the end; /proc/kheap must be at its baseline.
 *
 * Usage: kheap_soak [SECONDS [WORKERS [THREADS]]]   (TAP on stdout)
 * SECONDS defaults to $KHEAP_SOAK_SECONDS, else 20.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kheapclient.h"

#define LIMIT_PARAM	"/sys/module/kheap/parameters/max_pages_total"
#define MAX_WORKERS	32

enum { SLOTS = 256 };

/* Figures of all workers, killed ones included: shared memory. */
struct figures {
	unsigned long ops, enomem, corrupt, unexpected;
};

static struct figures *shared;
static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

static void count(unsigned long *figure)
{
	__atomic_fetch_add(figure, 1, __ATOMIC_RELAXED);
}

/* Byte i of a block with seed s; never 0, so lost writes show. */
static unsigned char pattern(uint32_t seed, size_t i)
{
	return (unsigned char)((seed + i * 131) % 255 + 1);
}

static size_t random_size(uint64_t *rng)
{
	uint64_t r = next(rng);

	switch (r % 32) {
	case 0:
		return 65536 + (r >> 8) % (1 << 20);	/* large: own regions */
	case 1: case 2: case 3: case 4:
		return 1024 + (r >> 8) % 32768;		/* medium */
	default:
		return 1 + (r >> 8) % 1024;		/* small: slabs */
	}
}

struct block {
	unsigned char *ptr;
	size_t size;
	uint32_t seed;
};

static int intact(const struct block *b, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (b->ptr[i] != pattern(b->seed, i))
			return 0;
	return 1;
}

static void *thread_main(void *arg)
{
	uint64_t rng = (uintptr_t)arg | 1;
	struct block slots[SLOTS] = { 0 };

	while (now() < deadline) {
		struct block *b = &slots[next(&rng) % SLOTS];
		size_t size = random_size(&rng);
		unsigned char *p;

		count(&shared->ops);
		if (b->ptr && !intact(b, b->size))
			count(&shared->corrupt);
		if (b->ptr && next(&rng) % 4 == 0) {
			size_t kept = size < b->size ? size : b->size;

			errno = 0;
			p = kheap_realloc(b->ptr, size);
			if (!p) {
				count(errno == ENOMEM ? &shared->enomem : &shared->unexpected);
				continue;
			}
			b->ptr = p;
			if (!intact(b, kept))
				count(&shared->corrupt);
			for (size_t i = kept; i < size; i++)
				p[i] = pattern(b->seed, i);
			b->size = size;
			continue;
		}
		if (b->ptr && kheap_free(b->ptr))
			count(&shared->unexpected);
		b->ptr = NULL;
		errno = 0;
		p = kheap_malloc(size);
		if (!p) {
			count(errno == ENOMEM ? &shared->enomem : &shared->unexpected);
			continue;
		}
		*b = (struct block){ p, size, (uint32_t)next(&rng) };
		for (size_t i = 0; i < size; i++)
			p[i] = pattern(b->seed, i);
	}
	for (size_t i = 0; i < SLOTS; i++) {
		if (slots[i].ptr && !intact(&slots[i], slots[i].size))
			count(&shared->corrupt);
		kheap_free(slots[i].ptr);
	}
	return NULL;
}

static void worker(int threads, uint64_t seed)
{
	struct kheap_options options = { .backend = KHEAP_BACKEND_DEVICE };
	pthread_t tid[16];

	if (kheap_init(&options))
		_exit(2);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, thread_main,
				   (void *)(uintptr_t)(seed + i * 0x9e3779b97f4a7c15ull)))
			_exit(3);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	_exit(0);
}

static long read_long(const char *path, const char *key)
{
	char line[256];
	size_t len = key ? strlen(key) : 0;
	long value = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!key)
			value = strtol(line, NULL, 10);
		else if (!strncmp(line, key, len) && line[len] == ':')
			value = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return value;
}

static int write_long(const char *path, long value)
{
	FILE *f = fopen(path, "w");
	int ok = f && fprintf(f, "%ld\n", value) > 0;

	return (f && fclose(f) == 0 && ok) ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *env_seconds = getenv("KHEAP_SOAK_SECONDS");
	double seconds = argc > 1 ? atof(argv[1]) : env_seconds ? atof(env_seconds) : 20;
	int workers = argc > 2 ? atoi(argv[2]) : 4;
	int threads = argc > 3 ? atoi(argv[3]) : 4;
	long old_limit = read_long(LIMIT_PARAM, NULL);
	long baseline = read_long("/proc/kheap", "pages_in_use");
	/* About 6 MiB a thread would like; give them three quarters. */
	long limit = (long)workers * threads * 1536 * 3 / 4;
	unsigned long spawned = 0, kills = 0;
	pid_t pid[MAX_WORKERS];
	uint64_t rng = (uint64_t)time(NULL) | 1;

	if (workers < 1 || workers > MAX_WORKERS || threads < 1 || threads > 16) {
		fprintf(stderr, "usage: %s [SECONDS [WORKERS(1..%d) [THREADS(1..16)]]]\n",
			argv[0], MAX_WORKERS);
		return 2;
	}
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	printf("TAP version 13\n1..4\n");
	if (shared == MAP_FAILED || old_limit < 0 || baseline < 0 ||
	    write_long(LIMIT_PARAM, limit)) {
		printf("not ok 1 - soak: set up (is kheap.ko loaded? root?)\n");
		return 1;
	}
	printf("# %d workers x %d threads, %.0f s, global limit %ld pages\n",
	       workers, threads, seconds, limit);
	fflush(stdout);

	deadline = now() + seconds;
	for (int i = 0; i < workers; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			worker(threads, next(&rng));
		spawned++;
	}
	while (now() < deadline - 1) {
		usleep(500000);
		int victim = next(&rng) % workers;

		kill(pid[victim], SIGKILL);
		waitpid(pid[victim], NULL, 0);
		kills++;
		pid[victim] = fork();
		if (pid[victim] == 0)
			worker(threads, next(&rng));
		spawned++;
	}
	int clean_exits = 0;

	for (int i = 0; i < workers; i++) {
		int status;

		waitpid(pid[i], &status, 0);
		clean_exits += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	write_long(LIMIT_PARAM, old_limit);

	long leaked = read_long("/proc/kheap", "pages_in_use") - baseline;

	printf("# operations %lu, processes %lu (%lu killed), limit refusals %lu\n",
	       shared->ops, spawned, kills, shared->enomem);
	printf("%sok 1 - soak: every worker that was not killed exited cleanly\n",
	       clean_exits == workers ? "" : "not ");
	printf("%sok 2 - soak: every byte read back as written (corrupt blocks: %lu)\n",
	       shared->corrupt ? "not " : "", shared->corrupt);
	printf("%sok 3 - soak: failures were all ENOMEM (others: %lu)\n",
	       shared->unexpected ? "not " : "", shared->unexpected);
	printf("%sok 4 - soak: pages leaked: %ld\n", leaked ? "not " : "", leaked);
	return clean_exits != workers || shared->corrupt || shared->unexpected || leaked;
}
