/* SPDX-License-Identifier: MIT */
/*
 * guard.c - guard pages around a backend's mapping. PROT_NONE pages are
 * address space only: never touched, they cost no memory (no RSS, no
 * commit charge) and are not part of any region's byte count.
 */
#include <sys/mman.h>

#include "guard.h"

void *kh_guard_map(size_t size, size_t guard, int flags, int fd, off_t offset)
{
	char *reserved, *base;

	if (guard == 0)
		return mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, offset);
	reserved = mmap(NULL, size + 2 * guard, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (reserved == MAP_FAILED)
		return MAP_FAILED;
	/* Fixed over the middle: the two ends stay PROT_NONE mappings. */
	base = mmap(reserved + guard, size, PROT_READ | PROT_WRITE,
		    flags | MAP_FIXED, fd, offset);
	if (base == MAP_FAILED)
		munmap(reserved, size + 2 * guard);
	return base;
}

void kh_guard_unmap(void *base, size_t size, size_t guard)
{
	munmap((char *)base - guard, size + 2 * guard);
}
