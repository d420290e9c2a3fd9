/* SPDX-License-Identifier: MIT */
/*
 * metadata.c - a small power-of-two allocator on anonymous mmap for the
 * library's own bookkeeping. Only slow paths (new spans, new threads) use
 * it, so one lock is enough. Freed blocks are kept for reuse, never unmapped.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "config.h"
#include "metadata.h"

#define MIN_SHIFT	6		/* 64 bytes */
#define MAX_SHIFT	18		/* 256 KiB; larger sizes map directly */
#define CHUNK_SIZE	(1u << 20)

struct free_block {
	struct free_block *next;
};

static struct free_block *free_lists[MAX_SHIFT + 1];
static char *chunk_cursor, *chunk_end;
static pthread_mutex_t metadata_mutex = PTHREAD_MUTEX_INITIALIZER;

static void *map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

static unsigned size_shift(size_t size)
{
	return size <= (1u << MIN_SHIFT) ? MIN_SHIFT : kh_log2(size - 1) + 1;
}

void *kh_metadata_alloc(size_t size)
{
	unsigned shift = size_shift(size);
	size_t block = (size_t)1 << shift;
	void *p;

	if (shift > MAX_SHIFT)
		return map_anon(kh_align_up(size, CHUNK_SIZE));

	pthread_mutex_lock(&metadata_mutex);
	if (free_lists[shift]) {
		struct free_block *b = free_lists[shift];

		free_lists[shift] = b->next;
		pthread_mutex_unlock(&metadata_mutex);
		memset(b, 0, block);
		return b;
	}
	/* Chunks are page aligned; blocks are aligned to their size up to
	 * a page, so descriptors never straddle more cache lines than needed. */
	chunk_cursor = (char *)kh_align_up((size_t)chunk_cursor,
					   block < 4096 ? block : 4096);
	if ((size_t)(chunk_end - chunk_cursor) < block) {
		/* The tail of the old chunk is dropped: less than one block. */
		char *chunk = map_anon(CHUNK_SIZE);

		if (chunk == NULL) {
			pthread_mutex_unlock(&metadata_mutex);
			return NULL;
		}
		chunk_cursor = chunk;
		chunk_end = chunk + CHUNK_SIZE;
	}
	p = chunk_cursor;
	chunk_cursor += block;
	pthread_mutex_unlock(&metadata_mutex);
	return p;	/* fresh mmap memory is zero */
}

void kh_metadata_free(void *ptr, size_t size)
{
	unsigned shift = size_shift(size);
	struct free_block *b = ptr;

	if (ptr == NULL)
		return;
	if (shift > MAX_SHIFT) {
		munmap(ptr, kh_align_up(size, CHUNK_SIZE));
		return;
	}
	pthread_mutex_lock(&metadata_mutex);
	b->next = free_lists[shift];
	free_lists[shift] = b;
	pthread_mutex_unlock(&metadata_mutex);
}

void kh_metadata_lock(void)
{
	pthread_mutex_lock(&metadata_mutex);
}

void kh_metadata_unlock(void)
{
	pthread_mutex_unlock(&metadata_mutex);
}
