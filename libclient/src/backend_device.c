/* SPDX-License-Identifier: MIT */
/*
 * backend_device.c - regions from the kheap kernel module.
 *
 * KHEAP_IOC_ALLOC returns an mmap offset that is also the region's handle;
 * the region is mapped whole, MAP_SHARED, at that offset. KHEAP_IOC_FREE
 * takes it back and tears every mapping of it down. A module of ABI
 * version 2 or later does both for many regions in one call
 * (KHEAP_IOC_BATCH_ALLOC / _FREE); with version 1 batches are loops.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kheap.h>

#include "backend.h"
#include "config.h"
#include "guard.h"
#include "kheapclient.h"
#include "report.h"

#define DEVICE_PATH	"/dev/" KHEAP_DEVICE_NAME
#define ABI_NEEDED	1	/* INFO, ALLOC, FREE */
#define BATCH_MAX	64	/* entries on the stack per batch call */

static int device_fd = -1;
static size_t device_page_size;
static unsigned device_batch_max;	/* 0: no batch ioctls (ABI v1) */

static int device_open(struct kheap_backend_info *info)
{
	struct kheap_info kinfo = { 0 };
	int fd = open(DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		kh_print("kheap: " DEVICE_PATH ": %s (is kheap.ko loaded? "
			 "set KHEAP_BACKEND=anon to use anonymous memory)",
			 strerror(err));
		errno = err;
		return -1;
	}
	if (ioctl(fd, KHEAP_IOC_INFO, &kinfo) < 0) {
		int err = errno;

		kh_print("kheap: " DEVICE_PATH ": KHEAP_IOC_INFO: %s",
			 strerror(err));
		close(fd);
		errno = err;
		return -1;
	}
	if (kinfo.abi_version < ABI_NEEDED || kinfo.page_size == 0 ||
	    (kinfo.page_size & (kinfo.page_size - 1))) {
		kh_print("kheap: " DEVICE_PATH ": module ABI version %u, page "
			 "size %u; this library needs ABI version %u",
			 kinfo.abi_version, kinfo.page_size, ABI_NEEDED);
		close(fd);
		errno = EPROTO;
		return -1;
	}
	device_fd = fd;
	device_page_size = kinfo.page_size;
	/* Batches are built on the stack: never more than BATCH_MAX entries. */
	if (kinfo.abi_version >= 2)
		device_batch_max = kinfo.batch_max < BATCH_MAX ? kinfo.batch_max : BATCH_MAX;
	*info = (struct kheap_backend_info){
		.name = "device",
		.abi_version = kinfo.abi_version,
		.page_size = kinfo.page_size,
		.max_pages_per_process = kinfo.max_pages_per_process,
		.max_pages_total = kinfo.max_pages_total,
		.max_pages_per_region = kinfo.max_pages_per_region,
	};
	return 0;
}

/* ---- handles: ask and give back, batched when the module can --------------- */

/* One batch ioctl over @count prepared entries (count <= device_batch_max). */
static int batch_ioctl(unsigned long cmd, struct kheap_batch_entry *entries,
		       unsigned count)
{
	struct kheap_batch batch = {
		.entries = (uintptr_t)entries,
		.count = count,
		.entry_size = sizeof(entries[0]),
	};

	kh_assert(count <= BATCH_MAX);
	return ioctl(device_fd, cmd, &batch);
}

static int alloc_handles(size_t pages, uint64_t *handles, unsigned count)
{
	unsigned done;

	if (count <= device_batch_max) {
		struct kheap_batch_entry entries[BATCH_MAX];

		for (unsigned i = 0; i < count; i++)
			entries[i] = (struct kheap_batch_entry){ .pages = pages };
		if (batch_ioctl(KHEAP_IOC_BATCH_ALLOC, entries, count) < 0)
			return -1;
		for (unsigned i = 0; i < count; i++)
			handles[i] = entries[i].offset;
		return 0;
	}
	for (done = 0; done < count; done++) {
		struct kheap_alloc req = { .pages = pages };

		if (ioctl(device_fd, KHEAP_IOC_ALLOC, &req) < 0)
			break;
		handles[done] = req.offset;
	}
	if (done == count)
		return 0;
	while (done-- > 0) {
		struct kheap_free req = { .offset = handles[done] };

		ioctl(device_fd, KHEAP_IOC_FREE, &req);
	}
	return -1;
}

static void free_handles(const struct kh_region *regions, unsigned count)
{
	int rc = 0;

	if (count <= device_batch_max) {
		struct kheap_batch_entry entries[BATCH_MAX];

		for (unsigned i = 0; i < count; i++)
			entries[i] = (struct kheap_batch_entry){
				.offset = regions[i].handle,
			};
		rc = batch_ioctl(KHEAP_IOC_BATCH_FREE, entries, count);
		kh_assert(rc == 0);
		return;
	}
	for (unsigned i = 0; i < count && rc == 0; i++) {
		struct kheap_free req = { .offset = regions[i].handle };

		rc = ioctl(device_fd, KHEAP_IOC_FREE, &req);
	}
	/* Only a library bug (a stale handle) can make this fail. */
	kh_assert(rc == 0);
}

/* ---- the backend ------------------------------------------------------------ */

static void device_unmap(const struct kh_region *regions, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		kh_guard_unmap(regions[i].base, regions[i].size, regions[i].guard);
	free_handles(regions, count);
}

static int device_map(size_t pages, size_t guard, struct kh_region *regions,
		      unsigned count)
{
	size_t size = pages * device_page_size;
	uint64_t handles[BATCH_MAX];
	unsigned mapped;

	kh_assert(count <= BATCH_MAX);
	if (alloc_handles(pages, handles, count) < 0) {
		/* The module's limits are the memory we have. */
		errno = ENOMEM;
		return -1;
	}
	for (mapped = 0; mapped < count; mapped++) {
		void *base = kh_guard_map(size, guard, MAP_SHARED, device_fd,
					  (off_t)handles[mapped]);

		if (base == MAP_FAILED)
			break;
		/* ABI v1 sets VM_DONTCOPY: see device_fork_child_privatize. */
		madvise(base, size, MADV_DOFORK);
		regions[mapped].base = base;
		regions[mapped].size = size;
		regions[mapped].handle = handles[mapped];
		regions[mapped].guard = guard;
	}
	if (mapped == count)
		return 0;
	device_unmap(regions, mapped);
	for (unsigned i = mapped; i < count; i++)
		regions[i] = (struct kh_region){ .size = size,
						 .handle = handles[i] };
	free_handles(regions + mapped, count - mapped);
	errno = ENOMEM;
	return -1;
}

/*
 * fork. A child must end up with regions of its own: ABI v1 gives it no
 * mapping at all (VM_DONTCOPY, which device_map undoes with MADV_DOFORK so
 * the child shares the pages), v2 a private copy without a handle. Either
 * way, before fork returns in the child, every region is copied into one
 * the child allocates on its own descriptor and moved over the old address.
 */
static int device_fork_child_reopen(void)
{
	int fd = open(DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	close(device_fd);
	device_fd = fd;
	return 0;
}

static int device_fork_child_privatize(struct kh_region *region)
{
	struct kh_region fresh;

	/* No guards of its own: it moves between those of @region. */
	if (device_map(region->size / device_page_size, 0, &fresh, 1) < 0)
		goto fail;
	memcpy(fresh.base, region->base, region->size);
	if (mremap(fresh.base, fresh.size, fresh.size,
		   MREMAP_MAYMOVE | MREMAP_FIXED, region->base) == MAP_FAILED) {
		device_unmap(&fresh, 1);
		goto fail;
	}
	region->handle = fresh.handle;
	return 0;

fail:
	/* Better a child that faults than one writing the parent's heap. */
	munmap(region->base, region->size);
	return -1;
}

const struct kh_backend kh_backend_device = {
	.name = "device",
	.open = device_open,
	.map = device_map,
	.unmap = device_unmap,
	.fork_child_reopen = device_fork_child_reopen,
	.fork_child_privatize = device_fork_child_privatize,
};
