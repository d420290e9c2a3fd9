// SPDX-License-Identifier: GPL-2.0
/*
 * kheap mmap: how a region becomes memory in the owning process.
 *
 * Rules (the uapi header states them for userspace):
 *  - only the process that opened the file may map, and only regions of
 *    that same open file (looked up by the exact offset the ALLOC returned);
 *  - MAP_SHARED only: the pages are the heap's, a private COW copy would
 *    silently detach from it;
 *  - the whole region at once: length == region size exactly.
 *
 * VMA flags:
 *  - VM_DONTEXPAND: mremap() cannot grow the mapping beyond the region;
 *  - .may_split refuses every split, so a mapping cannot be partially
 *    unmapped, mprotect()ed or mremap()ed: it lives and dies whole, which
 *    keeps "one VMA == one region reference" simple to reason about;
 *  - VM_DONTCOPY: a child does not inherit the mapping across fork().  The
 *    region belongs to the parent's open file and FREE in the parent would
 *    yank it from under the child; a child that wants heap memory opens
 *    /dev/kheap itself.  (A process may undo this with MADV_DOFORK; that is
 *    safe, because the VMA refcount and the zap on FREE cover the child's
 *    copy as well: the child just gets SIGBUS after the parent's FREE.)
 *  - VM_DONTDUMP: heap contents are not core-dumped;
 *  - VM_MIXEDMAP: lets the fault handler use vmf_insert_page(), see below.
 *
 * Faults.  Pages are inserted lazily, one per fault, with vmf_insert_page()
 * while holding the region's @sem for read.  Inserting under our own lock
 * (rather than handing vmf->page back to the core, which would install the
 * PTE after we returned) is what closes the race with FREE: once FREE has
 * taken @sem for write and set @dead, no fault can install a PTE any more,
 * and the zap that follows removes every PTE installed before.  The pages
 * are ordinary refcounted pages mapped with normal PTEs, so GUP, O_DIRECT,
 * process_vm_readv() and ptrace keep working on heap memory.  A fault on a
 * dead region returns VM_FAULT_SIGBUS.
 */
#include <linux/fs.h>
#include <linux/mm.h>

#include "compat.h"
#include "kheap.h"

static void kheap_vm_open(struct vm_area_struct *vma)
{
	kheap_region_get(vma->vm_private_data);
}

static void kheap_vm_close(struct vm_area_struct *vma)
{
	kheap_region_put(vma->vm_private_data);
}

static int kheap_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static vm_fault_t kheap_vm_fault(struct vm_fault *vmf)
{
	struct kheap_region *region = vmf->vma->vm_private_data;
	unsigned long idx = vmf->pgoff - region->pgoff;
	vm_fault_t ret;

	/* Cannot happen while splits are refused; be safe anyway. */
	if (vmf->pgoff < region->pgoff || idx >= region->nr_pages)
		return VM_FAULT_SIGBUS;

	down_read(&region->sem);
	if (region->dead)
		ret = VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_page(vmf->vma, vmf->address,
				      region->pages[idx]);
	up_read(&region->sem);
	return ret;
}

static const struct vm_operations_struct kheap_vm_ops = {
	.open		= kheap_vm_open,
	.close		= kheap_vm_close,
	.may_split	= kheap_vm_may_split,
	.fault		= kheap_vm_fault,
};

/**
 * kheap_mmap() - file_operations.mmap of /dev/kheap
 * @file: the open file
 * @vma: the new mapping; vm_pgoff is the region handle in pages
 *
 * Context: mmap_lock held for write by the caller; takes the file's lock.
 * Return: 0, -EPERM if the caller is not the process that opened @file,
 * or -EINVAL if the mapping is not MAP_SHARED, does not start at a region
 * of @file or does not cover exactly that region.
 */
int kheap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kheap_file *kf = file->private_data;
	struct kheap_region *region;
	int ret = -EINVAL;

	if (!kheap_current_is_owner(kf))
		return -EPERM;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	mutex_lock(&kf->lock);
	region = kheap_region_lookup(kf, vma->vm_pgoff);
	if (!region || vma_pages(vma) != region->nr_pages)
		goto unlock;
	kheap_region_get(region);
	ret = 0;
unlock:
	mutex_unlock(&kf->lock);
	if (ret)
		return ret;

	kheap_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP |
			   VM_DONTCOPY);
	vma->vm_private_data = region;
	vma->vm_ops = &kheap_vm_ops;
	return 0;
}
