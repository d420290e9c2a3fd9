/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kheap: the master kernel heap, served to userspace through /dev/kheap.
 *
 * A process opens /dev/kheap, asks for a region of whole pages with
 * KHEAP_IOC_ALLOC and maps it with mmap(2) at the offset the kernel returns.
 * The offset is also the region's handle: KHEAP_IOC_FREE takes it back.
 *
 * Mapping rules: a region is mapped whole (length == pages * page size), at
 * its own offset, by the process that allocated it, MAP_SHARED. The mapping
 * cannot be grown with mremap(2). After KHEAP_IOC_FREE every mapping of the
 * region is torn down, so a stale pointer faults (SIGBUS or SIGSEGV) instead
 * of reading memory that was handed to someone else.
 *
 * Extensibility: every ioctl carries its struct size in the command number
 * (_IOC_SIZE). The kernel accepts an older, smaller struct (missing fields
 * read as zero) and a newer, larger one whose extra bytes are all zero
 * (otherwise -E2BIG). Flags and reserved fields must be zero (-EINVAL).
 * New fields are only ever appended; KHEAP_ABI_VERSION grows when they are.
 */
#ifndef _UAPI_LINUX_KHEAP_H
#define _UAPI_LINUX_KHEAP_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define KHEAP_ABI_VERSION	1
#define KHEAP_DEVICE_NAME	"kheap"

/**
 * struct kheap_info - what this kheap module is and allows (KHEAP_IOC_INFO)
 * @abi_version:		KHEAP_ABI_VERSION of the running module
 * @page_size:			size in bytes of one page, the unit of regions
 * @max_pages_per_process:	limit on the pages one process may hold
 * @max_pages_total:		limit on the pages all processes may hold
 * @max_pages_per_region:	largest region one KHEAP_IOC_ALLOC may ask for
 */
struct kheap_info {
	__u32 abi_version;
	__u32 page_size;
	__u64 max_pages_per_process;
	__u64 max_pages_total;
	__u64 max_pages_per_region;
};

/**
 * struct kheap_alloc - ask for one region (KHEAP_IOC_ALLOC)
 * @pages:	in: number of pages, at least 1
 * @flags:	in: none defined yet, must be 0
 * @reserved:	must be 0
 * @offset:	out: mmap offset of the region, which is also its handle
 */
struct kheap_alloc {
	__u64 pages;
	__u32 flags;
	__u32 reserved;
	__u64 offset;
};

/**
 * struct kheap_free - give a region back (KHEAP_IOC_FREE)
 * @offset:	the handle KHEAP_IOC_ALLOC returned
 * @flags:	none defined yet, must be 0
 * @reserved:	must be 0
 */
struct kheap_free {
	__u64 offset;
	__u32 flags;
	__u32 reserved;
};

#define KHEAP_IOC_MAGIC		'k'
#define KHEAP_IOC_INFO		_IOR(KHEAP_IOC_MAGIC, 0x80, struct kheap_info)
#define KHEAP_IOC_ALLOC		_IOWR(KHEAP_IOC_MAGIC, 0x81, struct kheap_alloc)
#define KHEAP_IOC_FREE		_IOW(KHEAP_IOC_MAGIC, 0x82, struct kheap_free)

#endif /* _UAPI_LINUX_KHEAP_H */
