/* SPDX-License-Identifier: MIT */
/*
 * test_threads - allocation from many threads at once, with most blocks
 * freed by a thread other than the one that allocated them, every byte
 * verified before it is freed; then thread exit and fork.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kheapclient.h>

#include "tap.h"

#define THREADS		4
#ifndef ROUNDS		/* fewer under TSan: -DROUNDS */
#define ROUNDS		200000
#endif
#define MAILBOX		256

/* Blocks handed from each thread to the next one, which frees them. */
struct mailbox {
	pthread_mutex_t lock;
	struct block { unsigned char *p; size_t size; unsigned char fill; } slot[MAILBOX];
	size_t count;
};

static struct mailbox mailboxes[THREADS];
static int corrupted;

static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static size_t random_size(uint64_t *state)
{
	uint64_t r = next_random(state);

	if (r % 100 < 90)
		return r % 512;			/* slabs */
	if (r % 100 < 99)
		return 8192 + r % 60000;	/* medium heap */
	return 300000 + r % 200000;		/* large */
}

static void verify_and_free(struct block b)
{
	for (size_t i = 0; i < b.size; i++)
		if (b.p[i] != b.fill) {
			__atomic_store_n(&corrupted, 1, __ATOMIC_RELAXED);
			break;
		}
	if (kheap_free(b.p) != 0)
		__atomic_store_n(&corrupted, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	uint64_t state = 0x9e3779b97f4a7c15ull * (id + 1);
	struct mailbox *mine = &mailboxes[id], *next = &mailboxes[(id + 1) % THREADS];
	struct block local[64] = { 0 };

	for (int round = 0; round < ROUNDS; round++) {
		struct block b = { .size = random_size(&state) };
		struct block *keep = &local[next_random(&state) % 64];

		b.p = kheap_malloc(b.size);
		if (b.p == NULL) {
			__atomic_store_n(&corrupted, 1, __ATOMIC_RELAXED);
			break;
		}
		b.fill = (unsigned char)(round * 31 + id);
		memset(b.p, b.fill, b.size);
		if (round & 1) {
			/* Pass it on: the next thread frees it. */
			pthread_mutex_lock(&next->lock);
			if (next->count < MAILBOX) {
				next->slot[next->count++] = b;
				b.p = NULL;
			}
			pthread_mutex_unlock(&next->lock);
		}
		if (b.p) {
			if (keep->p)
				verify_and_free(*keep);
			*keep = b;
		}
		pthread_mutex_lock(&mine->lock);
		while (mine->count > 0)
			verify_and_free(mine->slot[--mine->count]);
		pthread_mutex_unlock(&mine->lock);
	}
	for (int i = 0; i < 64; i++)
		if (local[i].p)
			verify_and_free(local[i]);
	return NULL;
}

TEST(cross_thread_frees_keep_every_byte)
{
	pthread_t threads[THREADS];

	for (int i = 0; i < THREADS; i++)
		pthread_mutex_init(&mailboxes[i].lock, NULL);
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&threads[i], NULL, worker,
				     (void *)(intptr_t)i) == 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < THREADS; i++)
		while (mailboxes[i].count > 0)
			verify_and_free(mailboxes[i].slot[--mailboxes[i].count]);
	CHECK(!corrupted);
}

static void *allocate_and_exit(void *arg)
{
	void **out = arg;

	*out = kheap_malloc(100);
	memset(*out, 0x11, 100);
	return NULL;
}

/* A block outlives its thread; the next thread adopts the heap. */
TEST(blocks_outlive_their_thread)
{
	pthread_t thread;
	void *p;

	for (int i = 0; i < 50; i++) {
		CHECK(pthread_create(&thread, NULL, allocate_and_exit, &p) == 0);
		pthread_join(thread, NULL);
		CHECK(p != NULL && ((unsigned char *)p)[99] == 0x11);
		CHECK(kheap_free(p) == 0);
	}
}

static void *churn(void *arg)
{
	int *stop = arg;

	while (!__atomic_load_n(stop, __ATOMIC_RELAXED))
		kheap_free(kheap_malloc(64));
	return NULL;
}

/* fork while another thread allocates: the child's heap must work. */
TEST(fork_while_allocating)
{
	int stop = 0;
	pthread_t thread;
	int status;
	char *shared = kheap_malloc(64);

	strcpy(shared, "parent");
	CHECK(pthread_create(&thread, NULL, churn, &stop) == 0);
	for (int i = 0; i < 20; i++) {
		pid_t pid = fork();

		CHECK(pid >= 0);
		if (pid == 0) {
			char *p = kheap_malloc(1000);
			int ok = p && strcmp(shared, "parent") == 0;

			strcpy(shared, "child");	/* must stay in the child */
			kheap_free(p);
			_exit(ok ? 0 : 1);
		}
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CHECK(strcmp(shared, "parent") == 0);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	kheap_free(shared);
}

int main(void)
{
	if (kheap_init(NULL) < 0) {
		printf("Bail out! kheap_init: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	return tap_run();
}
