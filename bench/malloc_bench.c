// SPDX-License-Identifier: GPL-2.0
/*
 * malloc_bench: the workloads of kheap's allocator benchmark, written
 * against plain malloc/free so that every allocator runs the very same
 * code: glibc as is, the peers and kheap through LD_PRELOAD. One
 * workload per process, so no allocator inherits another run's state.
 *
 *   malloc_bench pair SIZE       ns per malloc(SIZE)+free pair
 *   malloc_bench mixed           ns per operation on a live set of mixed
 *                                sizes, and peak RSS over peak live bytes
 *   malloc_bench prodcons        ns per block made by one thread and
 *                                freed by another
 *
 * Output is one line of `key=value` figures for bench/malloc-bench.sh.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* xorshift64*: cheap and reproducible, so every allocator sees one sequence. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static long status_kib(const char *key)
{
	char line[256];
	long kib = -1;
	size_t len = strlen(key);
	FILE *status = fopen("/proc/self/status", "r");

	if (!status)
		return -1;
	while (fgets(line, sizeof(line), status))
		if (!strncmp(line, key, len))
			kib = strtol(line + len, NULL, 10);
	fclose(status);
	return kib;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* ---------------------------------------------------------------- pair -- */

static void bench_pair(size_t size)
{
	const long rounds = 20000000 / (1 + size / 256);
	volatile char *sink;
	double start;

	for (long i = 0; i < 1000; i++)	/* warm the caches and the thread heap */
		free(malloc(size));
	start = now_ns();
	for (long i = 0; i < rounds; i++) {
		char *p = malloc(size);

		if (!p)
			die("malloc");
		p[0] = (char)i;
		sink = p;
		free(p);
	}
	(void)sink;
	printf("ns=%.2f\n", (now_ns() - start) / rounds);
}

/* --------------------------------------------------------------- mixed -- */

/*
 * A live set of 20000 slots, each step replacing a random slot with a block
 * of a random size: mostly small, some medium, a few of several pages, the
 * shape of a typical C program's heap. Every block is written whole, so RSS
 * reflects what the allocator really keeps.
 */
static size_t mixed_size(void)
{
	uint64_t r = rng_next();

	switch (r % 16) {
	case 0:
		return 4096 + (r >> 8) % 28672;		/* 4..32 KiB */
	case 1: case 2: case 3:
		return 512 + (r >> 8) % 3584;		/* 512 B..4 KiB */
	default:
		return 8 + (r >> 8) % 504;		/* 8..512 B */
	}
}

static void bench_mixed(void)
{
	enum { SLOTS = 20000, STEPS = 4000000 };
	static char *block[SLOTS];
	static size_t length[SLOTS];
	size_t live = 0, peak_live = 0;
	long rss_before = status_kib("VmRSS:");
	double start = now_ns();

	for (long step = 0; step < STEPS; step++) {
		size_t slot = rng_next() % SLOTS;
		size_t size = mixed_size();

		free(block[slot]);
		live -= length[slot];
		block[slot] = malloc(size);
		if (!block[slot])
			die("malloc");
		memset(block[slot], (int)step, size);
		length[slot] = size;
		live += size;
		if (live > peak_live)
			peak_live = live;
	}
	double ns = (now_ns() - start) / STEPS;
	long rss_peak = status_kib("VmHWM:");

	printf("ns=%.2f rss_over_live=%.3f peak_live_kib=%zu rss_kib=%ld\n", ns,
	       (double)(rss_peak - rss_before) * 1024 / peak_live,
	       peak_live / 1024, rss_peak - rss_before);
	for (size_t slot = 0; slot < SLOTS; slot++)
		free(block[slot]);
}

/* ------------------------------------------------------------ prodcons -- */

/*
 * One thread allocates, the other frees, through a ring of pointers: every
 * free is a remote free. The waits yield, since on a two-core machine a
 * spinning thread would otherwise steal the time of the one it waits for.
 */
enum { RING = 1024, ITEMS = 4000000 };
static void *ring[RING];
static _Atomic size_t ring_head, ring_tail;

static void *consumer(void *unused)
{
	(void)unused;
	for (size_t taken = 0; taken < ITEMS; taken++) {
		size_t tail = atomic_load_explicit(&ring_tail, memory_order_relaxed);

		while (atomic_load_explicit(&ring_head, memory_order_acquire) == tail)
			sched_yield();
		free(ring[tail % RING]);
		atomic_store_explicit(&ring_tail, tail + 1, memory_order_release);
	}
	return NULL;
}

static void bench_prodcons(void)
{
	pthread_t thread;
	double start = now_ns();

	if (pthread_create(&thread, NULL, consumer, NULL))
		die("pthread_create");
	for (size_t made = 0; made < ITEMS; made++) {
		size_t head = atomic_load_explicit(&ring_head, memory_order_relaxed);
		char *p = malloc(16 + made % 240);

		if (!p)
			die("malloc");
		p[0] = 1;
		while (head - atomic_load_explicit(&ring_tail, memory_order_acquire) == RING)
			sched_yield();
		ring[head % RING] = p;
		atomic_store_explicit(&ring_head, head + 1, memory_order_release);
	}
	pthread_join(thread, NULL);
	printf("ns=%.2f\n", (now_ns() - start) / ITEMS);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "pair"))
		bench_pair(strtoul(argv[2], NULL, 10));
	else if (argc == 2 && !strcmp(argv[1], "mixed"))
		bench_mixed();
	else if (argc == 2 && !strcmp(argv[1], "prodcons"))
		bench_prodcons();
	else {
		fprintf(stderr, "usage: %s pair SIZE | mixed | prodcons\n", argv[0]);
		return 2;
	}
	return 0;
}
