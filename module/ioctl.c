// SPDX-License-Identifier: GPL-2.0
/*
 * kheap ioctl dispatch and argument checking.
 *
 * Commands are matched on type, number and direction, not on the full
 * command word: the size field of the command is the size of the caller's
 * struct, which may be older (smaller) or newer (larger) than ours.  The
 * struct is read with copy_struct_from_user(), which zero-fills a short
 * struct and returns -E2BIG for a long one whose tail is not all zero, and
 * written back with kheap_copy_to_user(), which copies what both sides know
 * and zero-fills the rest of a longer user struct.
 *
 * Each command has a minimum size: the fields without which it cannot
 * work.  INFO needs only abi_version (a caller may probe the version with
 * a 4-byte struct); ALLOC needs the whole v1 struct, because the handle is
 * returned in its last field; FREE needs the handle, the rest reads as 0;
 * the batches need the whole v2 struct (entry_size is their last field
 * that matters); STATS needs flags, reserved and the first counter.
 *
 * Errors (the uapi header has the table for userspace):
 *   ENOTTY  unknown type/number, or wrong direction for a known number
 *   EINVAL  size below the minimum, non-zero flags or reserved, pages == 0
 *           or pages > max_pages_per_region (in any batch entry: nothing is
 *           allocated), batch count 0 or > KHEAP_BATCH_MAX, batch
 *           entry_size other than sizeof(struct kheap_batch_entry)
 *   E2BIG   struct larger than ours with non-zero bytes beyond ours
 *   EFAULT  bad user pointer (ALLOC and BATCH_ALLOC undo the regions if
 *           the handles cannot be written back)
 *   EPERM   ALLOC/FREE (single or batch) from a process other than the
 *           one that opened the file (e.g. a child that inherited the fd)
 *   ENOENT  FREE of an offset that is not a live region of this file
 *   ENOMEM, EBUSY, EINTR from the allocation (region.c)
 *
 * Batch entry arrays are copied in whole (at most KHEAP_BATCH_MAX entries,
 * 16 KiB) before anything else happens, and the handles copied out in one
 * go afterwards.  No user memory is touched with a kheap lock held (see
 * main.c).
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include "internal.h"

struct kheap_ioctl_desc {
	unsigned int nr;
	unsigned int dir;
	size_t min_size;
	bool owner_only;
	long (*fn)(struct kheap_file *kf, void __user *uarg, size_t usize);
};

/*
 * Copy a struct out: the bytes both sides know, then zeros for the part of
 * the user's struct that this module does not know about.
 */
static int kheap_copy_to_user(void __user *dst, size_t usize,
			      const void *src, size_t ksize)
{
	if (copy_to_user(dst, src, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(dst + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

static long kheap_ioctl_info(struct kheap_file *kf, void __user *uarg,
			     size_t usize)
{
	struct kheap_info info = {
		.abi_version		= KHEAP_ABI_VERSION,
		.page_size		= PAGE_SIZE,
		.max_pages_per_process	= kheap_max_pages_per_process(),
		.max_pages_total	= kheap_max_pages_total(),
		.max_pages_per_region	= kheap_max_pages_per_region(),
		.batch_max		= KHEAP_BATCH_MAX,
	};

	return kheap_copy_to_user(uarg, usize, &info, sizeof(info));
}

static long kheap_ioctl_alloc(struct kheap_file *kf, void __user *uarg,
			      size_t usize)
{
	struct kheap_batch_entry entry;
	struct kheap_alloc req;
	int ret;

	ret = copy_struct_from_user(&req, sizeof(req), uarg, usize);
	if (ret)
		return ret;
	if (req.flags || req.reserved)
		return -EINVAL;
	if (!req.pages || req.pages > kheap_max_pages_per_region())
		return -EINVAL;

	entry.pages = req.pages;
	ret = kheap_region_alloc_batch(kf, &entry, 1);
	if (ret)
		return ret;

	req.offset = entry.offset;
	ret = kheap_copy_to_user(uarg, usize, &req, sizeof(req));
	if (ret)
		goto undo;
	return 0;

undo:
	/* The caller never learnt the handle: do not leak the region. */
	kheap_region_free_batch(kf, &entry, 1);
	return ret;
}

static long kheap_ioctl_free(struct kheap_file *kf, void __user *uarg,
			     size_t usize)
{
	struct kheap_batch_entry entry;
	struct kheap_free req;
	int ret;

	ret = copy_struct_from_user(&req, sizeof(req), uarg, usize);
	if (ret)
		return ret;
	if (req.flags || req.reserved)
		return -EINVAL;

	entry.offset = req.offset;
	return kheap_region_free_batch(kf, &entry, 1);
}

/*
 * Read and check a batch request and copy its entries in.  Returns the
 * kvmalloc()ed entries or an ERR_PTR.
 */
static struct kheap_batch_entry *
kheap_batch_get(struct kheap_batch *req, void __user *uarg, size_t usize)
{
	struct kheap_batch_entry *entries;
	int ret;

	ret = copy_struct_from_user(req, sizeof(*req), uarg, usize);
	if (ret)
		return ERR_PTR(ret);
	if (req->flags || req->reserved)
		return ERR_PTR(-EINVAL);
	if (!req->count || req->count > KHEAP_BATCH_MAX ||
	    req->entry_size != sizeof(*entries))
		return ERR_PTR(-EINVAL);

	entries = kvmalloc_array(req->count, sizeof(*entries),
				 GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!entries)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(entries, u64_to_user_ptr(req->entries),
			   array_size(req->count, sizeof(*entries)))) {
		kvfree(entries);
		return ERR_PTR(-EFAULT);
	}
	return entries;
}

static long kheap_ioctl_batch_alloc(struct kheap_file *kf, void __user *uarg,
				    size_t usize)
{
	unsigned long max = kheap_max_pages_per_region();
	struct kheap_batch_entry *entries;
	struct kheap_batch req;
	unsigned int i;
	long ret;

	entries = kheap_batch_get(&req, uarg, usize);
	if (IS_ERR(entries))
		return PTR_ERR(entries);

	for (i = 0; i < req.count; i++) {
		if (!entries[i].pages || entries[i].pages > max) {
			ret = -EINVAL;
			goto out;
		}
	}

	ret = kheap_region_alloc_batch(kf, entries, req.count);
	if (ret)
		goto out;

	if (copy_to_user(u64_to_user_ptr(req.entries), entries,
			 array_size(req.count, sizeof(*entries)))) {
		/* The caller never learnt the handles: do not leak them. */
		kheap_region_free_batch(kf, entries, req.count);
		ret = -EFAULT;
	}
out:
	kvfree(entries);
	return ret;
}

static long kheap_ioctl_batch_free(struct kheap_file *kf, void __user *uarg,
				   size_t usize)
{
	struct kheap_batch_entry *entries;
	struct kheap_batch req;
	long ret;

	entries = kheap_batch_get(&req, uarg, usize);
	if (IS_ERR(entries))
		return PTR_ERR(entries);

	ret = kheap_region_free_batch(kf, entries, req.count);
	kvfree(entries);
	return ret;
}

static long kheap_ioctl_stats(struct kheap_file *kf, void __user *uarg,
			      size_t usize)
{
	struct kheap_global_stats g;
	struct kheap_proc_stats p = { 0 };
	struct kheap_proc *proc;
	struct kheap_stats st;
	int ret;

	ret = copy_struct_from_user(&st, sizeof(st), uarg, usize);
	if (ret)
		return ret;
	if (st.flags || st.reserved)
		return -EINVAL;

	kheap_stats_global(&g);
	proc = kheap_proc_find_current();
	if (proc) {
		kheap_stats_proc(proc, &p);
		kheap_proc_put(proc);
	}

	st = (struct kheap_stats) {
		.regions		= g.regions,
		.pages_in_use		= g.pages,
		.peak_pages		= g.peak,
		.allocations		= g.allocations,
		.frees			= g.frees,
		.failures		= g.failures,
		.limit_hits		= g.limit_hits,
		.processes		= g.processes,
		.proc_regions		= p.regions,
		.proc_pages		= p.pages,
		.proc_peak		= p.peak,
		.proc_failures		= p.failures,
		.proc_limit_hits	= p.limit_hits,
	};
	return kheap_copy_to_user(uarg, usize, &st, sizeof(st));
}

static const struct kheap_ioctl_desc kheap_ioctls[] = {
	{
		.nr		= _IOC_NR(KHEAP_IOC_INFO),
		.dir		= _IOC_DIR(KHEAP_IOC_INFO),
		.min_size	= offsetofend(struct kheap_info, abi_version),
		.fn		= kheap_ioctl_info,
	},
	{
		.nr		= _IOC_NR(KHEAP_IOC_ALLOC),
		.dir		= _IOC_DIR(KHEAP_IOC_ALLOC),
		.min_size	= offsetofend(struct kheap_alloc, offset),
		.owner_only	= true,
		.fn		= kheap_ioctl_alloc,
	},
	{
		.nr		= _IOC_NR(KHEAP_IOC_FREE),
		.dir		= _IOC_DIR(KHEAP_IOC_FREE),
		.min_size	= offsetofend(struct kheap_free, offset),
		.owner_only	= true,
		.fn		= kheap_ioctl_free,
	},
	{
		.nr		= _IOC_NR(KHEAP_IOC_BATCH_ALLOC),
		.dir		= _IOC_DIR(KHEAP_IOC_BATCH_ALLOC),
		.min_size	= offsetofend(struct kheap_batch, entry_size),
		.owner_only	= true,
		.fn		= kheap_ioctl_batch_alloc,
	},
	{
		.nr		= _IOC_NR(KHEAP_IOC_BATCH_FREE),
		.dir		= _IOC_DIR(KHEAP_IOC_BATCH_FREE),
		.min_size	= offsetofend(struct kheap_batch, entry_size),
		.owner_only	= true,
		.fn		= kheap_ioctl_batch_free,
	},
	{
		.nr		= _IOC_NR(KHEAP_IOC_STATS),
		.dir		= _IOC_DIR(KHEAP_IOC_STATS),
		.min_size	= offsetofend(struct kheap_stats, regions),
		.fn		= kheap_ioctl_stats,
	},
};

/**
 * kheap_ioctl() - file_operations.unlocked_ioctl of /dev/kheap
 * @file: the open file
 * @cmd: the command; its size field is the size of the caller's struct
 * @arg: user pointer to that struct
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno, see the table at the top of this file.
 */
long kheap_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kheap_file *kf = file->private_data;
	const struct kheap_ioctl_desc *desc = NULL;
	size_t usize = _IOC_SIZE(cmd);
	unsigned int i;

	if (_IOC_TYPE(cmd) != KHEAP_IOC_MAGIC)
		return -ENOTTY;
	for (i = 0; i < ARRAY_SIZE(kheap_ioctls); i++) {
		if (kheap_ioctls[i].nr == _IOC_NR(cmd)) {
			desc = &kheap_ioctls[i];
			break;
		}
	}
	if (!desc || desc->dir != _IOC_DIR(cmd))
		return -ENOTTY;
	if (usize < desc->min_size)
		return -EINVAL;
	if (desc->owner_only && !kheap_current_is_owner(kf))
		return -EPERM;

	return desc->fn(kf, (void __user *)arg, usize);
}
