/* SPDX-License-Identifier: MIT */
/*
 * heap.h - per-thread heaps. Each thread allocates small sizes from slabs
 * owned by its heap without locks. A heap outlives its thread: on exit it is
 * abandoned and the next new thread adopts it, slabs and all.
 */
#ifndef KHEAP_HEAP_H
#define KHEAP_HEAP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "sizeclass.h"

struct kh_meta;
struct kh_span;

#define KH_SLOT_CACHE	16

struct kh_cached_slot {
	char *start;
	struct kh_meta *meta;
};

struct kh_heap {
	/*
	 * Per size class: free slots of the class's current slab (the head
	 * of its list), freed by this thread and ready to hand out again,
	 * newest last; cached[] of them. They count as used in their slab:
	 * only the cache knows they are free.
	 */
	struct kh_cached_slot cache[KH_SMALL_CLASSES][KH_SLOT_CACHE];
	uint32_t cached[KH_SMALL_CLASSES];
	/* Per size class: slabs with free slots; the head is allocated from. */
	struct kh_span *slabs[KH_SMALL_CLASSES];
	/* Per size class: an empty slab kept on that list, not the head. */
	struct kh_span *spare_slabs[KH_SMALL_CLASSES];
	/* atomic: slabs that other threads freed into, via span.remote_next;
	 * apart from what the owner writes on every allocation and free */
	struct kh_span *remote_spans __attribute__((aligned(64)));
	unsigned medium_arena;		/* which medium heap it allocates from */
	struct kh_heap *next_heap;	/* all heaps */
	struct kh_heap *next_abandoned;
	bool abandoned;
};

extern __thread struct kh_heap *kh_thread_heap
	__attribute__((tls_model("initial-exec")));

/* Give this thread a heap, an abandoned one first; the library must be
 * started. NULL with errno ENOMEM. */
struct kh_heap *kh_heap_attach(void);

/* Fork: lock the heap list; in the child, abandon other threads' heaps. */
void kh_heap_fork_prepare(void);
void kh_heap_fork_parent(void);
void kh_heap_fork_child(void);

#endif /* KHEAP_HEAP_H */
