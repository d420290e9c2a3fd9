/* SPDX-License-Identifier: MIT */
/*
 * heap.c - thread heaps: attach on a thread's first allocation, abandon at
 * thread exit (pthread key destructor), adopt abandoned heaps first, and
 * keep the list consistent across fork.
 */
#include <errno.h>
#include <pthread.h>

#include "heap.h"
#include "metadata.h"

__thread struct kh_heap *kh_thread_heap __attribute__((tls_model("initial-exec")));

static struct kh_heap *all_heaps;
static unsigned heap_count;
static struct kh_heap *abandoned_heaps;
static pthread_mutex_t heaps_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t heap_key;
static pthread_once_t heap_key_once = PTHREAD_ONCE_INIT;

/* Thread exit. Its slabs stay owned by the heap; frees into them from
 * other threads queue up until a new thread adopts the heap. */
static void heap_abandon(void *arg)
{
	struct kh_heap *heap = arg;

	pthread_mutex_lock(&heaps_lock);
	heap->abandoned = true;
	heap->next_abandoned = abandoned_heaps;
	abandoned_heaps = heap;
	pthread_mutex_unlock(&heaps_lock);
	kh_thread_heap = NULL;
}

static void heap_key_create(void)
{
	int rc = pthread_key_create(&heap_key, heap_abandon);

	/* Without a key heaps are never abandoned: they leak, nothing breaks. */
	kh_assert(rc == 0);
	(void)rc;
}

struct kh_heap *kh_heap_attach(void)
{
	struct kh_heap *heap;

	pthread_once(&heap_key_once, heap_key_create);
	pthread_mutex_lock(&heaps_lock);
	heap = abandoned_heaps;
	if (heap) {
		abandoned_heaps = heap->next_abandoned;
		heap->abandoned = false;
	} else {
		heap = kh_metadata_alloc(sizeof(*heap));
		if (heap) {
			/* Spread threads over the medium arenas. */
			heap->medium_arena = heap_count++;
			heap->next_heap = all_heaps;
			all_heaps = heap;
		}
	}
	pthread_mutex_unlock(&heaps_lock);
	if (heap == NULL)
		return NULL;
	/* Set first: pthread_setspecific may allocate (under LD_PRELOAD). */
	kh_thread_heap = heap;
	pthread_setspecific(heap_key, heap);
	return heap;
}

void kh_heap_fork_prepare(void)
{
	pthread_mutex_lock(&heaps_lock);
}

void kh_heap_fork_parent(void)
{
	pthread_mutex_unlock(&heaps_lock);
}

/* Only the forking thread exists in the child: every other heap is now
 * without a thread, so it is abandoned for the child's new threads. */
void kh_heap_fork_child(void)
{
	for (struct kh_heap *heap = all_heaps; heap; heap = heap->next_heap) {
		if (heap == kh_thread_heap || heap->abandoned)
			continue;
		heap->abandoned = true;
		heap->next_abandoned = abandoned_heaps;
		abandoned_heaps = heap;
	}
	pthread_mutex_unlock(&heaps_lock);
}
