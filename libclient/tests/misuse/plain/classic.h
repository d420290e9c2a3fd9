/* SPDX-License-Identifier: MIT */
/*
 * classic.h - the misuses every hardened allocator is asked about, in
 * plain C, for the report to set beside the overruns: each program picks
 * one, this says what kheap prints for it.
 */
#ifndef KHEAP_CLASSIC_H
#define KHEAP_CLASSIC_H

#include "misuse.h"

/* A block of @size freed twice. */
static inline int double_free(size_t size)
{
	char *p = malloc(size);

	expect("kheap: double free of %p (size %zu)", (void *)p, size);
	free(p);
	free(opaque(p));
	return not_detected();
}

/* free() of a pointer 8 bytes into a block of @size. */
static inline int free_interior(size_t size)
{
	char *p = malloc(size);

	expect("kheap: invalid free of %p (inside %p, size %zu)",
	       (void *)(p + 8), (void *)p, size);
	free(opaque(p + 8));
	return not_detected();
}

/* A byte written into a freed block of @size, found when a block of
 * that size is handed out again. */
static inline int write_after_free(size_t size)
{
	char *p = malloc(size);

	expect("kheap: write after free of %p (inside %p, size %zu)",
	       (void *)(p + 3), (void *)p, size);
	free(p);
	((char *)opaque(p))[3] = 7;
	opaque(malloc(size));
	return not_detected();
}

#endif /* KHEAP_CLASSIC_H */
