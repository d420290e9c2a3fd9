/* SPDX-License-Identifier: MIT */
/*
 * overrun.h - the writes outside a block that misuse/plain/ commits, one
 * per program: the program names the size (small, medium, large) and
 * where the write goes, this says what kheap prints for it.
 */
#ifndef KHEAP_OVERRUN_H
#define KHEAP_OVERRUN_H

#include <stdbool.h>
#include <string.h>

#include "misuse.h"

/* Sizes of each tier: a 32-byte slab slot, a medium block, a large block
 * (300000 bytes: its region has pages before it, see large.c). */
#define SMALL	24
#define MEDIUM	50000
#define LARGE	300000

/*
 * One byte written @at bytes from the start of a block of @size (negative:
 * before it), then the block freed: found on free as @kind ("heap
 * overflow", "heap underflow").
 */
static inline int write_then_free(size_t size, long at, const char *kind)
{
	char *p = malloc(size);

	expect("kheap: %s of %p (size %zu)", kind, (void *)p, size);
	((char *)opaque(p))[at] = 1;
	free(opaque(p));
	return not_detected();
}

/* One byte written just before a large block of @size that fills its
 * region: the leading guard page faults. */
static inline int underflow_into_guard(size_t size)
{
	volatile char *p = opaque(malloc(size));

	expect_fault();
	expect("kheap: underflow into guard page of %p (offset -1, size %zu)",
	       (void *)p, size);
	p[-1] = 1;
	return not_detected();
}

/*
 * 1 MiB written into a block of @size from its start, by a byte loop or
 * one memcpy: for a large block, a fault on the first byte of its
 * trailing guard page.
 */
static inline int overflow_far(size_t size, bool by_memcpy)
{
	static char source[1u << 20];
	char *p = malloc(size);

	expect_fault();
	expect("kheap: overflow into guard page of %p (offset %zu, size %zu)",
	       (void *)p, guard_offset(size), size);
	if (by_memcpy)
		memcpy(opaque(p), source, sizeof(source));
	for (size_t i = 0; !by_memcpy && i < sizeof(source); i++)
		((volatile char *)p)[i] = 1;
	return not_detected();
}

#endif /* KHEAP_OVERRUN_H */
