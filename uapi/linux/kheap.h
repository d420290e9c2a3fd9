/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kheap: the master kernel heap, served to userspace through /dev/kheap.
 *
 * A process opens /dev/kheap, asks for a region of whole pages with
 * KHEAP_IOC_ALLOC (or many at once with KHEAP_IOC_BATCH_ALLOC) and maps it
 * with mmap(2) at the offset the kernel returns. The offset is also the
 * region's handle: KHEAP_IOC_FREE (or KHEAP_IOC_BATCH_FREE) takes it back.
 * Pages are zeroed and charged to the caller's memory cgroup.
 *
 * Owner: an open file of /dev/kheap belongs to the address space (the
 * process: all its threads) that opened it. Only that process may ALLOC,
 * FREE and mmap through it; a forked child or a program run by execve()
 * that inherited the descriptor gets -EPERM and opens the device itself.
 *
 * Mapping rules: a region is mapped whole (length == pages * page size), at
 * its own offset, by its owner, MAP_SHARED. The mapping cannot be grown
 * with mremap(2), split, or partly unmapped or mprotect()ed; it can be
 * moved whole. After FREE every mapping of the region is torn down, so a
 * stale pointer faults (SIGBUS) instead of reading memory that was handed
 * to someone else.
 *
 * Fork: like anonymous memory. A child created by fork(2) gets, for every
 * kheap mapping of the parent, a PRIVATE COPY of the region's contents at
 * the same address, made eagerly during fork. Writes of the child and of
 * the parent are not seen by the other; the parent's FREE does not touch
 * the child's copy. The copy is charged to the child (its own row in
 * /proc/kheap, its own limits) and lives as long as the child maps it: it
 * goes with munmap(), execve() or exit. It has no handle: the child cannot
 * FREE it, and cannot mmap it again once unmapped. If the copy cannot be
 * made (a limit, or no memory) the child's mapping stays in place but every
 * access to it raises SIGBUS; fork() itself does not fail. A child's copy
 * keeps the parent's open file (hence the parent's regions) alive until the
 * child unmaps it, as any mapping of a file keeps the file open.
 *
 * Limits: a request that would take the caller over max_pages_per_process
 * or all processes over max_pages_total fails with -ENOMEM and changes
 * nothing except the limit_hits counters. The heap never invokes the OOM
 * killer: when memory is short, requests fail with -ENOMEM.
 *
 * Extensibility: every ioctl carries its struct size in the command number
 * (_IOC_SIZE). The kernel accepts an older, smaller struct (missing fields
 * read as zero) and a newer, larger one whose extra bytes are all zero
 * (otherwise -E2BIG). Flags and reserved fields must be zero (-EINVAL).
 * New fields are only ever appended; KHEAP_ABI_VERSION grows when they are.
 *
 * ABI versions:
 *   1  INFO, ALLOC, FREE.
 *   2  BATCH_ALLOC and BATCH_FREE (many regions in one call), STATS;
 *      limits fail with ENOMEM (v1: EDQUOT, ENOSPC); fork() copies kheap
 *      mappings into the child (v1: the child got no mapping); the owner
 *      of a file is the opening address space (v1: the thread group).
 *
 * Errors, for every command:
 *   ENOTTY  unknown command, or a known number with the wrong direction
 *   EINVAL  struct smaller than the command's minimum size; a flag or
 *           reserved field not zero; pages == 0 or above
 *           max_pages_per_region; batch count 0 or above KHEAP_BATCH_MAX;
 *           batch entry_size not sizeof(struct kheap_batch_entry)
 *   E2BIG   struct larger than the kernel's with non-zero bytes beyond it
 *   EFAULT  a bad pointer (the struct, or a batch's entry array); an ALLOC
 *           whose result cannot be written back allocates nothing
 *   EPERM   ALLOC, FREE (single or batch) from a process that is not the
 *           file's owner
 *   ENOENT  FREE of an offset that is not a live region of this file; for
 *           BATCH_FREE also an offset listed twice
 *   ENOMEM  a limit would be exceeded (counted in limit_hits), or the
 *           system is out of memory (counted in failures)
 *   EBUSY   every region handle is in use; 32-bit processes, whose mmap
 *           takes a 32-bit page offset, share the 4095 handles it reaches
 *   EINTR   the caller was killed while the kernel allocated its pages
 * mmap(2) of /dev/kheap fails with EPERM when the caller is not the owner
 * and EINVAL when the mapping is not MAP_SHARED, does not start at a live
 * region of this file or does not cover exactly that region.
 * open(2) follows the device node's mode (module parameter "mode", 0600 by
 * default; the udev rule shipped with kheap gives group kheap 0660).
 */
#ifndef _UAPI_LINUX_KHEAP_H
#define _UAPI_LINUX_KHEAP_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define KHEAP_ABI_VERSION	2
#define KHEAP_DEVICE_NAME	"kheap"

/* Largest number of entries one BATCH_ALLOC or BATCH_FREE takes (v2). */
#define KHEAP_BATCH_MAX		1024

/**
 * struct kheap_info - what this kheap module is and allows (KHEAP_IOC_INFO)
 * @abi_version:		KHEAP_ABI_VERSION of the running module
 * @page_size:			size in bytes of one page, the unit of regions
 * @max_pages_per_process:	limit on the pages one process may hold
 * @max_pages_total:		limit on the pages all processes may hold
 * @max_pages_per_region:	largest region one KHEAP_IOC_ALLOC may ask for
 * @batch_max:			largest count of a batch (v2; 0 from a v1 module)
 * @reserved:			zero
 */
struct kheap_info {
	__u32 abi_version;
	__u32 page_size;
	__u64 max_pages_per_process;
	__u64 max_pages_total;
	__u64 max_pages_per_region;
	__u32 batch_max;
	__u32 reserved;
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

/**
 * struct kheap_batch_entry - one region of a batch (v2)
 * @pages:	BATCH_ALLOC in: number of pages; BATCH_FREE: ignored
 * @offset:	BATCH_ALLOC out: the handle; BATCH_FREE in: the handle
 */
struct kheap_batch_entry {
	__u64 pages;
	__u64 offset;
};

/**
 * struct kheap_batch - many regions in one call (KHEAP_IOC_BATCH_ALLOC and
 * KHEAP_IOC_BATCH_FREE, v2)
 * @entries:	user pointer to an array of @count struct kheap_batch_entry
 * @count:	number of entries, 1..KHEAP_BATCH_MAX
 * @entry_size:	sizeof(struct kheap_batch_entry) as the caller knows it; v2
 *		accepts exactly 16 (later versions may accept larger entries)
 * @flags:	none defined yet, must be 0
 * @reserved:	must be 0
 *
 * Both are all-or-nothing. BATCH_ALLOC checks every entry, then reserves
 * the sum of the pages against the limits in one step, then allocates;
 * on any error nothing stays allocated and no offset is written (the array
 * may have been partly written on -EFAULT). BATCH_FREE frees every listed
 * region, or, if one offset is not a live region of this file or is listed
 * twice, fails with -ENOENT and frees none.
 */
struct kheap_batch {
	__u64 entries;
	__u32 count;
	__u32 entry_size;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct kheap_stats - global and own counters (KHEAP_IOC_STATS, v2)
 * @flags:		in: none defined yet, must be 0
 * @reserved:		in: must be 0
 * @regions:		live regions, all processes
 * @pages_in_use:	pages held by them
 * @peak_pages:		high-water mark of @pages_in_use since load
 * @allocations:	regions created since load (ALLOC, batch, fork copy)
 * @frees:		regions gone since load (FREE, close, unmap of a copy)
 * @failures:		well-formed requests refused for lack of memory
 * @limit_hits:		well-formed requests refused by a limit
 * @processes:		processes known to kheap
 * @proc_regions:	the calling process: live regions
 * @proc_pages:		the calling process: pages held
 * @proc_peak:		the calling process: high-water mark of @proc_pages
 * @proc_failures:	the calling process: @failures
 * @proc_limit_hits:	the calling process: @limit_hits
 *
 * The same figures as /proc/kheap. The calling process is the caller's
 * address space, whether or not it owns the file used for the ioctl; its
 * fields are 0 when it holds nothing in kheap.
 */
struct kheap_stats {
	__u32 flags;
	__u32 reserved;
	__u64 regions;
	__u64 pages_in_use;
	__u64 peak_pages;
	__u64 allocations;
	__u64 frees;
	__u64 failures;
	__u64 limit_hits;
	__u64 processes;
	__u64 proc_regions;
	__u64 proc_pages;
	__u64 proc_peak;
	__u64 proc_failures;
	__u64 proc_limit_hits;
};

#define KHEAP_IOC_MAGIC		'k'
#define KHEAP_IOC_INFO		_IOR(KHEAP_IOC_MAGIC, 0x80, struct kheap_info)
#define KHEAP_IOC_ALLOC		_IOWR(KHEAP_IOC_MAGIC, 0x81, struct kheap_alloc)
#define KHEAP_IOC_FREE		_IOW(KHEAP_IOC_MAGIC, 0x82, struct kheap_free)
#define KHEAP_IOC_BATCH_ALLOC	_IOW(KHEAP_IOC_MAGIC, 0x83, struct kheap_batch)
#define KHEAP_IOC_BATCH_FREE	_IOW(KHEAP_IOC_MAGIC, 0x84, struct kheap_batch)
#define KHEAP_IOC_STATS		_IOWR(KHEAP_IOC_MAGIC, 0x85, struct kheap_stats)

#endif /* _UAPI_LINUX_KHEAP_H */
