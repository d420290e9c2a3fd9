/* SPDX-License-Identifier: MIT */
/*
 * guard.h - PROT_NONE guard pages on both sides of a mapping, so that a
 * far overflow or underflow faults at once instead of landing in whatever
 * is mapped next. The guards are mappings of their own around the
 * backend's: the device refuses to split its mappings (module/mmap.c,
 * .may_split), so the guards cannot be part of them.
 */
#ifndef KHEAP_GUARD_H
#define KHEAP_GUARD_H

#include <stddef.h>
#include <sys/types.h>

/*
 * mmap(NULL, @size, PROT_READ | PROT_WRITE, @flags, @fd, @offset), with
 * @guard bytes of PROT_NONE before and after (none for 0): a reservation
 * of the whole, then the mapping fixed over its middle. MAP_FAILED on
 * failure, nothing left mapped.
 */
void *kh_guard_map(size_t size, size_t guard, int flags, int fd, off_t offset);

/* Undo kh_guard_map: the mapping and its guards, in one munmap. */
void kh_guard_unmap(void *base, size_t size, size_t guard);

#endif /* KHEAP_GUARD_H */
