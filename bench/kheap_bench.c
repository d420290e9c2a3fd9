// SPDX-License-Identifier: GPL-2.0
/*
 * kheap_bench: what one 4 KiB region costs through /dev/kheap, against
 * anonymous memory.  Not a test: it prints numbers and judges nothing.
 *
 *   kheap single   ALLOC(1) + mmap + touch + munmap + FREE
 *   kheap populate the same with MAP_POPULATE instead of a touch fault
 *   anon single    mmap(MAP_ANONYMOUS) + touch + munmap
 *   kheap batch    BATCH_ALLOC(64 x 1) + 64 x (mmap + touch + munmap)
 *                  + BATCH_FREE, per region
 *   anon batch     64 x mmap, 64 x touch, 64 x munmap, per region
 *
 * Usage: kheap_bench [iterations]   (default 4000; a multiple of 64)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/kheap.h>

#define BATCH 64

static long page;
static int fd;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void kheap_single(int populate)
{
	struct kheap_alloc a = { .pages = 1 };
	struct kheap_free f = { 0 };
	volatile char *p;

	if (ioctl(fd, KHEAP_IOC_ALLOC, &a))
		die("KHEAP_IOC_ALLOC");
	p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_SHARED | (populate ? MAP_POPULATE : 0), fd, a.offset);
	if (p == MAP_FAILED)
		die("mmap kheap");
	p[0] = 1;
	munmap((void *)p, page);
	f.offset = a.offset;
	if (ioctl(fd, KHEAP_IOC_FREE, &f))
		die("KHEAP_IOC_FREE");
}

static void anon_single(void)
{
	volatile char *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap anon");
	p[0] = 1;
	munmap((void *)p, page);
}

static void kheap_batch(void)
{
	struct kheap_batch_entry e[BATCH];
	struct kheap_batch b = {
		.entries = (uintptr_t)e,
		.count = BATCH,
		.entry_size = sizeof(e[0]),
	};
	volatile char *p[BATCH];
	int i;

	for (i = 0; i < BATCH; i++)
		e[i].pages = 1;
	if (ioctl(fd, KHEAP_IOC_BATCH_ALLOC, &b))
		die("KHEAP_IOC_BATCH_ALLOC");
	for (i = 0; i < BATCH; i++) {
		p[i] = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED,
			    fd, e[i].offset);
		if (p[i] == MAP_FAILED)
			die("mmap kheap");
	}
	for (i = 0; i < BATCH; i++)
		p[i][0] = 1;
	for (i = 0; i < BATCH; i++)
		munmap((void *)p[i], page);
	if (ioctl(fd, KHEAP_IOC_BATCH_FREE, &b))
		die("KHEAP_IOC_BATCH_FREE");
}

static void anon_batch(void)
{
	volatile char *p[BATCH];
	int i;

	for (i = 0; i < BATCH; i++) {
		p[i] = mmap(NULL, page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p[i] == MAP_FAILED)
			die("mmap anon");
	}
	for (i = 0; i < BATCH; i++)
		p[i][0] = 1;
	for (i = 0; i < BATCH; i++)
		munmap((void *)p[i], page);
}

/* Best of 5 runs of @n regions, in ns per region. */
static double measure(void (*fn)(void), long n, int per_call)
{
	double best = 1e30;
	int run;
	long i;

	for (i = 0; i < n / per_call / 10 + 1; i++)	/* warm up */
		fn();
	for (run = 0; run < 5; run++) {
		uint64_t t0 = now_ns();

		for (i = 0; i < n / per_call; i++)
			fn();
		t0 = now_ns() - t0;
		if ((double)t0 / n < best)
			best = (double)t0 / n;
	}
	return best;
}

static void kheap_single_fault(void)
{
	kheap_single(0);
}

static void kheap_single_populate(void)
{
	kheap_single(1);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 4000;
	double ks, kp, as, kb, ab;

	page = sysconf(_SC_PAGESIZE);
	n = (n + BATCH - 1) / BATCH * BATCH;
	fd = open("/dev/" KHEAP_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/" KHEAP_DEVICE_NAME);

	ks = measure(kheap_single_fault, n, 1);
	kp = measure(kheap_single_populate, n, 1);
	as = measure(anon_single, n, 1);
	kb = measure(kheap_batch, n, BATCH);
	ab = measure(anon_batch, n, BATCH);

	printf("# kheap_bench: %ld regions of one %ld-byte page per run, best of 5\n",
	       n, page);
	printf("kheap single (alloc+mmap+touch+munmap+free): %9.0f ns/region\n",
	       ks);
	printf("kheap single, MAP_POPULATE:                  %9.0f ns/region\n",
	       kp);
	printf("anon  single (mmap+touch+munmap):            %9.0f ns/region\n",
	       as);
	printf("kheap batch of %d:                           %9.0f ns/region\n",
	       BATCH, kb);
	printf("anon  batch of %d:                           %9.0f ns/region\n",
	       BATCH, ab);
	printf("ratio kheap single / anon single:   %5.2fx (target <= 1.2x)\n",
	       ks / as);
	printf("ratio kheap populate / anon single: %5.2fx\n", kp / as);
	printf("ratio kheap batch / kheap single:   %5.2fx (target < 0.5x)\n",
	       kb / ks);
	printf("ratio kheap batch / anon batch:     %5.2fx\n", kb / ab);
	close(fd);
	return 0;
}
