/* SPDX-License-Identifier: MIT */
/*
 * metadata.h - memory for the library's own bookkeeping (span descriptors,
 * per-allocation metadata, thread heaps). It never comes from the backend:
 * metadata stays out of line, apart from the memory handed to users.
 */
#ifndef KHEAP_METADATA_H
#define KHEAP_METADATA_H

#include <stddef.h>

/* Zeroed, 64-byte aligned; NULL with errno ENOMEM. */
void *kh_metadata_alloc(size_t size);
void kh_metadata_free(void *ptr, size_t size);

/* pthread_atfork support: hold the lock across fork. */
void kh_metadata_lock(void);
void kh_metadata_unlock(void);

#endif /* KHEAP_METADATA_H */
