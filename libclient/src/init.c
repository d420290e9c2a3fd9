/* SPDX-License-Identifier: MIT */
/*
 * init.c - starting the library (from kheap_init's options or from the
 * environment on first use), the canary secret, and fork.
 *
 * Lock order, outermost first; a thread holding one may take only those
 * below it:
 *
 *   init_mutex		init.c: held while the library starts
 *     registry_lock		profile.c: the installed profilers
 *       site_lock		report.c: the allocation-site table
 *         heaps_lock		heap.c: the list of thread heaps
 *           released_lock	large.c: the recently freed large blocks
 *             arena[0..7].lock	medium.c: one medium arena each, in index
 *				order (only fork takes more than one)
 *               region_lock	region.c: the region cache and accounting;
 *				profilers' region callbacks run under it
 *                 metadata_mutex	metadata.c: the bookkeeping allocator
 *
 * The nestings that occur: a medium arena's lock around a new span's
 * region_lock and metadata_mutex; heaps_lock around a new heap's
 * metadata_mutex. Slab fast paths take no lock. fork() takes all but
 * init_mutex in this order in the prepare handler, so that the child starts with
 * every structure consistent, and releases them in reverse.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/random.h>

#include "fault.h"
#include "heap.h"
#include "init.h"
#include "large.h"
#include "medium.h"
#include "metadata.h"
#include "profile.h"
#include "profile_builtin.h"
#include "region.h"
#include "report.h"
#include "span.h"

uint64_t kh_canary_secret;

enum init_state { NOT_STARTED, STARTED, FAILED };

static enum init_state init_state;
static int init_errno;
static pthread_mutex_t init_mutex = PTHREAD_MUTEX_INITIALIZER;

/* ---- fork ------------------------------------------------------------------ */

static void fork_prepare(void)
{
	kh_profile_lock();
	kh_site_lock();
	kh_heap_fork_prepare();
	kh_large_lock();
	kh_medium_lock();
	kh_region_lock();
	kh_metadata_lock();
}

static void fork_parent(void)
{
	kh_metadata_unlock();
	kh_region_unlock();
	kh_medium_unlock();
	kh_large_unlock();
	kh_heap_fork_parent();
	kh_site_unlock();
	kh_profile_unlock();
}

static void fork_child(void)
{
	kh_metadata_unlock();
	kh_region_fork_child();
	kh_region_unlock();
	kh_medium_unlock();
	kh_large_unlock();
	kh_heap_fork_child();
	kh_site_unlock();
	kh_profile_unlock();
}

/* ---- start ----------------------------------------------------------------- */

static void seed_canaries(void)
{
	if (getrandom(&kh_canary_secret, sizeof(kh_canary_secret),
		      GRND_NONBLOCK) != sizeof(kh_canary_secret)) {
		const uint64_t *auxv_random = (const uint64_t *)getauxval(AT_RANDOM);

		kh_canary_secret = auxv_random ? auxv_random[1] : 0;
		kh_canary_secret ^= (uintptr_t)&kh_canary_secret;
	}
}

static int start(const struct kheap_options *options)
{
	static const struct kheap_options from_environment;

	if (options == NULL)
		options = &from_environment;
	if (kh_region_init(options) < 0) {
		init_state = FAILED;
		init_errno = errno;
		return -1;
	}
	kh_report_configure(options->on_error, options->hook,
			    options->hook_arg);
	seed_canaries();
	kh_medium_init();
	kh_fault_init();
	__atomic_store_n(&init_state, STARTED, __ATOMIC_RELEASE);
	/* Last: glibc may allocate here, which must find the library up. */
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	kh_profile_init();
	return 0;
}

int kh_library_init(void)
{
	int rc = 0;

	if (likely(__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == STARTED))
		return 0;
	pthread_mutex_lock(&init_mutex);
	if (init_state == NOT_STARTED)
		rc = start(NULL);
	else if (init_state == FAILED)
		rc = -1;
	pthread_mutex_unlock(&init_mutex);
	if (rc < 0)
		errno = init_errno;
	return rc;
}

KH_API int kheap_init(const struct kheap_options *options)
{
	int rc = -1, err = EBUSY;

	if (options == NULL)
		return kh_library_init();
	pthread_mutex_lock(&init_mutex);
	if (init_state == NOT_STARTED) {
		rc = start(options);
		err = init_errno;
	}
	pthread_mutex_unlock(&init_mutex);
	if (rc < 0)
		errno = err;
	return rc;
}
