/* SPDX-License-Identifier: MIT */
/*
 * backend_device.c - regions from the kheap kernel module.
 *
 * KHEAP_IOC_ALLOC returns an mmap offset that is also the region's handle;
 * the region is mapped whole, MAP_SHARED, at that offset. KHEAP_IOC_FREE
 * takes it back and tears every mapping of it down.
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
#include "kheap.h"
#include "report.h"

#define DEVICE_PATH "/dev/" KHEAP_DEVICE_NAME

static int device_fd = -1;
static size_t device_page_size;

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
	if (kinfo.abi_version < KHEAP_ABI_VERSION || kinfo.page_size == 0 ||
	    (kinfo.page_size & (kinfo.page_size - 1))) {
		kh_print("kheap: " DEVICE_PATH ": module ABI version %u, page "
			 "size %u; this library needs ABI version %u",
			 kinfo.abi_version, kinfo.page_size, KHEAP_ABI_VERSION);
		close(fd);
		errno = EPROTO;
		return -1;
	}
	device_fd = fd;
	device_page_size = kinfo.page_size;
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

static void device_release(uint64_t handle)
{
	struct kheap_free req = { .offset = handle };
	int rc = ioctl(device_fd, KHEAP_IOC_FREE, &req);

	/* Only a library bug (bad handle) can make this fail. */
	kh_assert(rc == 0);
	(void)rc;
}

static int device_map(size_t pages, struct kh_region *out)
{
	struct kheap_alloc req = { .pages = pages };
	size_t size = pages * device_page_size;
	void *base;

	if (ioctl(device_fd, KHEAP_IOC_ALLOC, &req) < 0) {
		/* The module's limits are the memory we have: out of memory. */
		if (errno != EINTR)
			errno = ENOMEM;
		return -1;
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    device_fd, (off_t)req.offset);
	if (base == MAP_FAILED) {
		device_release(req.offset);
		errno = ENOMEM;
		return -1;
	}
	/* The module sets VM_DONTCOPY; see device_fork_child_privatize. */
	madvise(base, size, MADV_DOFORK);
	out->base = base;
	out->size = size;
	out->handle = req.offset;
	return 0;
}

static void device_unmap(const struct kh_region *region)
{
	munmap(region->base, region->size);
	device_release(region->handle);
}

/*
 * fork. The module marks mappings VM_DONTCOPY, so a child would lose the
 * heap it inherited; device_map opts back in with MADV_DOFORK, which makes
 * the child share the parent's pages. In the child, before fork returns,
 * every region is then copied into one the child allocates on its own
 * descriptor and moved over the old address: from then on parent and
 * child each have their own heap, as with anonymous memory.
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

	if (device_map(region->size / device_page_size, &fresh) < 0)
		goto fail;
	memcpy(fresh.base, region->base, region->size);
	if (mremap(fresh.base, fresh.size, fresh.size,
		   MREMAP_MAYMOVE | MREMAP_FIXED, region->base) == MAP_FAILED) {
		device_unmap(&fresh);
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
