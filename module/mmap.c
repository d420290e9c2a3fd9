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
 *  - VM_DONTEXPAND: mremap() cannot grow the mapping beyond the region
 *    (it also keeps mlock() away: the pages are never on an LRU);
 *  - .may_split refuses every split, so a mapping cannot be partially
 *    unmapped, mprotect()ed or mremap()ed: it lives and dies whole, which
 *    keeps "one VMA == one region reference" simple to reason about;
 *  - VM_DONTDUMP: heap contents are not core-dumped.
 *  No VM_MIXEDMAP or VM_PFNMAP: these make fork() copy the parent's PTEs
 *  into the child, which would map the parent's pages there.  Without
 *  them (and without an anon_vma, which a shared mapping never gets) the
 *  child's VMA starts empty and faults, like any shared file mapping.
 *
 * Faults.  Pages are inserted lazily, one per fault, through the core's
 * ordinary path: the handler returns the page referenced and LOCKED
 * (VM_FAULT_LOCKED), the core installs the PTE and only then unlocks it.
 * The handler checks that the region is alive under its @sem for read and
 * takes the page lock before dropping @sem; FREE marks the region dead
 * under @sem for write, then locks and unlocks every page before zapping,
 * which waits for each fault that saw the region alive to finish
 * installing its PTE.  The zap then removes every PTE; a fault that starts
 * after the mark gets VM_FAULT_SIGBUS (see region.c, "Death").  The pages
 * are ordinary refcounted pages mapped with normal PTEs, so GUP, O_DIRECT,
 * process_vm_readv() and ptrace keep working on heap memory.
 *
 * Fork and mremap.  The core calls vm_open for the new VMA in both cases.
 * mremap moves a mapping within its address space (vma->vm_mm is the
 * caller's): the new VMA shares the region.  fork() makes a VMA for the
 * child's address space: it gets a private copy of the region, charged to
 * the child (region.c, "Fork copies"); if that fails its private data is
 * NULL and every fault on it raises SIGBUS.  vm_close of a copy's last VMA
 * returns the copy; exit_mmap() (exit, exec) runs after the mm's last user
 * is gone, which is how a copy tells "reclaimed at exit" from "munmap()".
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>

#include "backport.h"
#include "internal.h"

static void kheap_vm_open(struct vm_area_struct *vma)
{
	struct kheap_region *region = vma->vm_private_data;

	if (!region)
		return;
	if (vma->vm_mm == current->mm) {
		kheap_region_get(region);
		return;
	}
	vma->vm_private_data = kheap_region_fork_copy(region, vma->vm_mm);
}

static void kheap_vm_close(struct vm_area_struct *vma)
{
	struct kheap_region *region = vma->vm_private_data;

	if (!region)
		return;
	if (!region->kf && !atomic_read(&vma->vm_mm->mm_users))
		region->at_exit = true;
	kheap_region_put(region);
}

static int kheap_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static vm_fault_t kheap_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct kheap_region *region = vma->vm_private_data;
	unsigned long idx = vmf->pgoff - vma->vm_pgoff;
	struct page *page;

	/* A failed fork copy; or out of range, which splits rule out. */
	if (!region || vmf->pgoff < vma->vm_pgoff || idx >= region->nr_pages)
		return VM_FAULT_SIGBUS;

	/* A forked child first shows up here: give its row a pid. */
	kheap_proc_claim(region->proc);

	down_read(&region->sem);
	if (region->dead) {
		up_read(&region->sem);
		return VM_FAULT_SIGBUS;
	}
	page = region->pages[idx];
	get_page(page);
	lock_page(page);
	up_read(&region->sem);

	vmf->page = page;
	return VM_FAULT_LOCKED;
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
	region = kheap_region_lookup_pgoff(kf, vma->vm_pgoff);
	if (!region || vma_pages(vma) != region->nr_pages)
		goto unlock;
	kheap_region_get(region);
	ret = 0;
unlock:
	mutex_unlock(&kf->lock);
	if (ret)
		return ret;

	kheap_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = region;
	vma->vm_ops = &kheap_vm_ops;
	return 0;
}
