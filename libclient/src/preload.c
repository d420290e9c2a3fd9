/* SPDX-License-Identifier: MIT */
/*
 * preload.c - libkheapmalloc.so: the C allocation functions on kheap, so
 * unmodified programs run on it with LD_PRELOAD=libkheapmalloc.so. The
 * backend is chosen by KHEAP_BACKEND as for any kheap program.
 *
 * Misuse reports work as in the library (one line, abort). glibc's
 * realloc(p, 0) frees and returns NULL; programs rely on that, so it is kept.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc.h"
#include "free.h"
#include "config.h"
#include "region.h"

KH_API void *malloc(size_t size)
{
	return kh_malloc(size);
}

KH_API void free(void *ptr)
{
	kh_free(ptr);
}

KH_API void *calloc(size_t count, size_t size)
{
	return kheap_calloc(count, size);
}

KH_API void *realloc(void *ptr, size_t size)
{
	if (ptr != NULL && size == 0) {
		kh_free(ptr);
		return NULL;
	}
	return kh_resize(ptr, size, 0);
}

KH_API void *reallocarray(void *ptr, size_t count, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(count, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(ptr, bytes);
}

KH_API int posix_memalign(void **out, size_t alignment, size_t size)
{
	void *ptr;

	if (alignment < sizeof(void *) || (alignment & (alignment - 1)))
		return EINVAL;
	ptr = kheap_aligned_alloc(alignment, size);
	if (ptr == NULL)
		return ENOMEM;
	*out = ptr;
	return 0;
}

KH_API void *aligned_alloc(size_t alignment, size_t size)
{
	return kheap_aligned_alloc(alignment, size);
}

KH_API void *memalign(size_t alignment, size_t size)
{
	/* glibc rounds an alignment that is not a power of two up to one. */
	if (alignment & (alignment - 1)) {
		if (alignment > SIZE_MAX / 2) {
			errno = EINVAL;
			return NULL;
		}
		alignment = (size_t)2 << kh_log2(alignment);
	}
	return kheap_aligned_alloc(alignment ? alignment : 1, size);
}

static size_t page_size(void)
{
	return kh_page_size ? kh_page_size : (size_t)sysconf(_SC_PAGESIZE);
}

KH_API void *valloc(size_t size)
{
	return kheap_aligned_alloc(page_size(), size);
}

KH_API void *pvalloc(size_t size)
{
	size_t page = page_size();

	if (size > SIZE_MAX - page) {
		errno = ENOMEM;
		return NULL;
	}
	return kheap_aligned_alloc(page, kh_align_up(size, page));
}

KH_API size_t malloc_usable_size(void *ptr)
{
	return kheap_usable_size(ptr);
}
