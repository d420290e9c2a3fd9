// SPDX-License-Identifier: GPL-2.0
/*
 * kheap: a master kernel heap that serves page-sized regions to processes.
 *
 * A process opens /dev/kheap, allocates regions with KHEAP_IOC_ALLOC, maps
 * them with mmap() at the returned offset and gives them back with
 * KHEAP_IOC_FREE; a userspace library carves the regions into objects.
 * The kernel side stays small and boring on purpose: whole pages only,
 * strict limits, exact accounting, and nothing userspace can do makes the
 * kernel warn or crash.
 *
 * Files, one concern each:
 *   main.c      module init/exit, the misc device, open/release
 *   ioctl.c     ioctl dispatch and argument checking
 *   region.c    the heap: regions, pages, handles, freeing, fork copies
 *   mmap.c      mmap rules, the fault handler, fork and mremap of mappings
 *   account.c   per-process and global counters, limit enforcement, the
 *               snapshots every reader takes
 *   params.c    the limits as run-time changeable module parameters
 *   procfs.c    /proc/kheap
 *   netlink.c   the generic netlink family "kheap": statistics, limits,
 *               events
 *   internal.h  the objects and functions the files share (the ABI is
 *               uapi/linux/kheap.h and uapi/linux/kheap_netlink.h)
 *   backport.h  newer kernel APIs on older kernels (6.1)
 *
 * Ownership: an open file holds its regions; the last close frees them.
 * All opens of one address space (process) share one struct kheap_proc
 * for accounting.  The process that opened a file is its owner, and only
 * the owner may ALLOC, FREE or mmap through it.  A forked child gets
 * private copies of the parent's mappings, charged to the child (mmap.c,
 * region.c).
 *
 * Lock order (outermost first):
 *
 *   mmap_lock (or the per-VMA lock)   held by the core around ->mmap,
 *                                     ->fault, vm_open (fork: both mms'),
 *                                     vm_close
 *     kheap_file.lock (mutex)         a file's region list; ALLOC, FREE,
 *                                     mmap, last close
 *       kheap_ids xa_lock (spinlock)  the global id -> region map
 *
 *   mmap_lock (or the per-VMA lock)
 *     kheap_region.sem (rwsem)        read: fault, fork copy; write: region
 *                                     death, which runs with no other kheap
 *                                     lock held
 *       page lock                     fault: taken under @sem, released by
 *                                     the core once the PTE is installed;
 *                                     death: taken alone, after @sem
 *
 *   mmap_lock; or the genetlink mutex (netlink.c's requests and dumps)
 *     kheap_procs_lock (mutex)        list of kheap_proc, pid/comm claim;
 *                                     open, last put, fork copy, the fault
 *                                     of a child's first touch, readers
 *                                     (/proc/kheap, STATS, netlink); no
 *                                     other kheap lock nests inside it
 *
 * unmap_mapping_range() (i_mmap_rwsem) runs after all kheap locks are
 * dropped.  Because the mmap path takes kheap_file.lock under mmap_lock,
 * no kheap lock may be held while touching user memory (copy_*_user may
 * fault and take mmap_lock): ioctls copy in, work, drop locks, copy out.
 * Counters are atomics and need no lock.  The event hooks (netlink.c) are
 * called with no kheap lock held.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "internal.h"

static ushort mode = 0600;
module_param(mode, ushort, 0444);
MODULE_PARM_DESC(mode, "Access mode of /dev/kheap (default 0600)");

static int kheap_open(struct inode *inode, struct file *file)
{
	struct kheap_file *kf;
	int ret;

	kf = kzalloc(sizeof(*kf), GFP_KERNEL_ACCOUNT);
	if (!kf)
		return -ENOMEM;

	kf->proc = kheap_proc_get_current();
	if (IS_ERR(kf->proc)) {
		ret = PTR_ERR(kf->proc);
		goto free_kf;
	}
	kf->mapping = file->f_mapping;
	mutex_init(&kf->lock);
	INIT_LIST_HEAD(&kf->regions);
	file->private_data = kf;
	return 0;

free_kf:
	kfree(kf);
	return ret;
}

static int kheap_release(struct inode *inode, struct file *file)
{
	struct kheap_file *kf = file->private_data;

	kheap_region_free_all(kf);
	kheap_proc_put(kf->proc);
	mutex_destroy(&kf->lock);
	kfree(kf);
	return 0;
}

static const struct file_operations kheap_fops = {
	.owner		= THIS_MODULE,
	.open		= kheap_open,
	.release	= kheap_release,
	.unlocked_ioctl	= kheap_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= kheap_mmap,
	.llseek		= noop_llseek,
};

static struct miscdevice kheap_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= KHEAP_DEVICE_NAME,
	.fops	= &kheap_fops,
};

static int __init kheap_init(void)
{
	int ret;

	ret = kheap_procfs_init();
	if (ret)
		return ret;

	/* Before the device: no event hook may run without the family. */
	ret = kheap_netlink_init();
	if (ret)
		goto procfs_exit;

	kheap_misc.mode = mode;
	ret = misc_register(&kheap_misc);
	if (ret)
		goto netlink_exit;
	return 0;

netlink_exit:
	kheap_netlink_exit();
procfs_exit:
	kheap_procfs_exit();
	return ret;
}

static void __exit kheap_exit(void)
{
	misc_deregister(&kheap_misc);
	kheap_netlink_exit();
	kheap_procfs_exit();
	kheap_regions_exit();
}

module_init(kheap_init);
module_exit(kheap_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kheap developers");
MODULE_DESCRIPTION("Master kernel heap serving page regions through /dev/kheap");
MODULE_VERSION(KHEAP_VERSION);
