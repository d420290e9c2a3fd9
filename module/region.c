// SPDX-License-Identifier: GPL-2.0
/*
 * kheap regions: the heap itself.
 *
 * A region is an array of order-0 pages.  Userspace only ever sees page
 * granularity, and the fault path and the fork copy work page by page, so
 * that is what the rest of the module sees.  The allocator underneath
 * takes higher orders when they are cheap: it asks for up to
 * KHEAP_MAX_ORDER contiguous pages without reclaim, compaction or retries,
 * split_page()s a success into order-0 pages, and falls back to one page
 * at a time (and stops trying that order for the region) otherwise.  That
 * keeps working on a fragmented machine.  Pages are allocated with:
 *
 *   GFP_KERNEL_ACCOUNT   charged to the caller's memory cgroup, so the heap
 *                        cannot be used to escape a container's limit;
 *   __GFP_ZERO           never leak a previous user's data (fork copies,
 *                        which are overwritten whole, skip it);
 *   __GFP_NOWARN         a refused request is an -ENOMEM to userspace, not
 *                        a warning splat in the kernel log;
 *   __GFP_RETRY_MAYFAIL  fail instead of invoking the OOM killer: pages
 *                        that are not mapped do not count in anyone's RSS,
 *                        so the OOM killer would pick an innocent victim.
 *
 * Pages are released with put_page(): a page that is still referenced
 * (e.g. pinned by in-flight O_DIRECT I/O) lives until that reference goes.
 *
 * Handles.  Regions get a global id from a cyclic xarray allocator; the
 * mmap offset is the id shifted past a window of KHEAP_WINDOW_PAGES
 * pages (see internal.h), so live regions never share file offsets, which
 * unmap_mapping_range() relies on.  Cyclic allocation keeps a stale handle
 * from naming a new region for as long as possible.  A 32-bit caller's ids
 * come from the low ids its mmap can reach, with a cursor of their own
 * (kheap_next_compat_id), so that 64-bit callers, whose cursor runs
 * through the whole id space, never push a 32-bit one out of reach.  Both
 * cursors move under the xarray's lock.  The xarray maps id to region;
 * lookups happen under its xa_lock and then check the region's file, so a
 * process can only ever see its own file's regions.  A region leaves the
 * xarray before it is killed, and its struct is freed only after that, so
 * anything found under xa_lock is alive.
 *
 * Batches.  BATCH_ALLOC charges the sum of its pages in one step, creates
 * every region, then publishes them all under the file's lock; any error
 * destroys what was created and uncharges, so nothing is half done.
 * BATCH_FREE picks every listed region under the file's lock (marking
 * them, which also catches an offset listed twice) before it unlinks any,
 * so it too frees all or none.  A single ALLOC or FREE is a batch of one.
 *
 * Death.  FREE (or the last close of the file) unlinks a region, then
 * kills it: set @dead under @sem held for write, wait for faults in flight,
 * zap every mapping of its offset range, put the pages.  The fault handler
 * (mmap.c) checks !@dead under @sem held for read and locks the page
 * before it drops @sem; the core keeps the page locked until the PTE is
 * installed (VM_FAULT_LOCKED).  So once the writer has passed, every fault
 * that saw the region alive holds its page's lock, and locking and
 * unlocking each page waits for those PTEs to be in place; the zap that
 * follows removes them all, and later faults see @dead and get SIGBUS.
 * A region that was never mmap()ed skips both steps.  The struct itself
 * stays until the last VMA referencing it is gone (kref).
 *
 * Fork copies.  A child's VMA gets a copy region (kheap_region_fork_copy()
 * from mmap.c's vm_open): same size and offset, no id, no file,
 * charged to the child's kheap_proc, contents copied from the parent's
 * pages under @sem for read (so the parent's FREE cannot put them
 * meanwhile).  Nothing can FREE a copy, so it never dies early: it goes
 * with its last VMA, when no PTE can map it any more.
 */
#include <linux/compat.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "internal.h"

#define KHEAP_GFP (GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)
/* Higher orders only when free right now: no reclaim, no compaction. */
#define KHEAP_GFP_CHEAP ((GFP_KERNEL_ACCOUNT | __GFP_NOWARN | \
			  __GFP_NORETRY) & ~__GFP_RECLAIM)
#define KHEAP_MAX_ORDER PAGE_ALLOC_COSTLY_ORDER

static DEFINE_XARRAY_ALLOC1(kheap_ids);
static u32 kheap_next_id, kheap_next_compat_id;

/*
 * Fill @pages with @nr order-0 pages; *@done says how many are there, also
 * on error, for the caller to put.
 */
static int kheap_pages_alloc(struct page **pages, unsigned long nr,
			     gfp_t zero, unsigned long *done)
{
	unsigned int order = KHEAP_MAX_ORDER;
	unsigned long i = 0, j;

	while (i < nr) {
		struct page *page = NULL;
		unsigned int o;

		if (fatal_signal_pending(current)) {
			*done = i;
			return -EINTR;
		}
		o = min_t(unsigned int, order, ilog2(nr - i));
		if (o) {
			page = alloc_pages(KHEAP_GFP_CHEAP | zero, o);
			if (page)
				split_page(page, o);
			else
				order = o - 1;
		}
		if (!page) {
			o = 0;
			page = alloc_page(KHEAP_GFP | zero);
			if (!page) {
				*done = i;
				return -ENOMEM;
			}
		}
		/*
		 * A buddy block never spans memory sections, so its struct
		 * pages are contiguous on every memory model: plain pointer
		 * arithmetic, as the kernel itself now does (nth_page() is
		 * gone from 7.x).
		 */
		for (j = 0; j < (1UL << o); j++)
			pages[i++] = page + j;
		cond_resched();
	}
	*done = i;
	return 0;
}

static void kheap_pages_put(struct page **pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		put_page(pages[i]);
		if (!(i & 63))
			cond_resched();
	}
}

/* A region of @nr pages with its pages, not charged, not published. */
static struct kheap_region *kheap_region_create(struct kheap_proc *proc,
						unsigned long nr, gfp_t zero)
{
	struct kheap_region *region;
	unsigned long done;
	int ret;

	region = kvzalloc(struct_size(region, pages, nr),
			  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!region)
		return ERR_PTR(-ENOMEM);
	ret = kheap_pages_alloc(region->pages, nr, zero, &done);
	if (ret) {
		kheap_pages_put(region->pages, done);
		kvfree(region);
		return ERR_PTR(ret);
	}
	kref_init(&region->kref);
	init_rwsem(&region->sem);
	region->proc = proc;
	region->nr_pages = nr;
	return region;
}

/* Undo kheap_region_create() of a region nobody has seen. */
static void kheap_region_destroy(struct kheap_region *region)
{
	kheap_pages_put(region->pages, region->nr_pages);
	kvfree(region);
}

static void kheap_region_release(struct kref *kref)
{
	struct kheap_region *region =
		container_of(kref, struct kheap_region, kref);
	struct kheap_proc *proc = region->proc;

	if (!region->kf) {
		/* A fork copy dies with its last mapping. */
		kheap_pages_put(region->pages, region->nr_pages);
		kheap_account_region_removed(proc, region->nr_pages,
					     region->at_exit);
		kvfree(region);
		kheap_proc_put(proc);
		return;
	}
	kvfree(region);
}

/**
 * kheap_region_get() - take a reference on a region
 * @region: the region; the caller must already hold a reference or the
 *          lock of its file with the region still listed
 */
void kheap_region_get(struct kheap_region *region)
{
	kref_get(&region->kref);
}

/**
 * kheap_region_put() - drop a reference on a region
 * @region: the region
 *
 * For a region of a file, the pages are long gone by the time the last
 * reference drops (they are put when the region dies); this only frees
 * the bookkeeping.  A fork copy returns its pages and its charge here.
 *
 * Context: process context, may sleep.
 */
void kheap_region_put(struct kheap_region *region)
{
	kref_put(&region->kref, kheap_region_release);
}

/* A cyclic id for @region, within the caller's reach (see internal.h). */
static int kheap_id_alloc(struct kheap_region *region, u32 *id)
{
	bool compat = in_compat_syscall();

	return xa_alloc_cyclic(&kheap_ids, id, region,
			       XA_LIMIT(1, compat ? KHEAP_ID_MAX_COMPAT : KHEAP_ID_MAX),
			       compat ? &kheap_next_compat_id : &kheap_next_id,
			       GFP_KERNEL_ACCOUNT);
}

/**
 * kheap_region_alloc_batch() - allocate regions for an open file
 * @kf: the owning file
 * @entries: in: .pages, the size of each region, already checked against
 *           max_pages_per_region; out on success: .offset, the mmap offset
 *           (handle) of each region
 * @count: number of regions, 1..KHEAP_BATCH_MAX
 *
 * All or nothing: on error no region exists and nothing stays charged.
 *
 * Context: process context, may sleep for a long time; gives up early if
 * the caller is being killed.  No kheap lock may be held.
 * Return: 0, -ENOMEM (a limit: counted in limit_hits; or no memory:
 * counted in failures), -EBUSY if the ids ran out, or -EINTR if a fatal
 * signal is pending.
 */
int kheap_region_alloc_batch(struct kheap_file *kf,
			     struct kheap_batch_entry *entries,
			     unsigned int count)
{
	struct kheap_proc *proc = kf->proc;
	struct kheap_region *one, **regions = &one;
	unsigned long total = 0;
	unsigned int i, n = 0;
	int ret;

	for (i = 0; i < count; i++)
		total += entries[i].pages;
	if (count > 1) {
		regions = kvmalloc_array(count, sizeof(*regions),
					 GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!regions) {
			ret = -ENOMEM;
			goto failed;
		}
	}
	ret = kheap_account_charge(proc, total);
	if (ret)
		goto free_array;

	for (n = 0; n < count; n++) {
		regions[n] = kheap_region_create(proc, entries[n].pages,
						 __GFP_ZERO);
		if (IS_ERR(regions[n])) {
			ret = PTR_ERR(regions[n]);
			goto destroy;
		}
		regions[n]->kf = kf;
	}

	mutex_lock(&kf->lock);
	for (i = 0; i < count; i++) {
		struct kheap_region *region = regions[i];
		u32 id;

		ret = kheap_id_alloc(region, &id);
		if (ret < 0) {
			while (i--)
				xa_erase(&kheap_ids, regions[i]->id);
			mutex_unlock(&kf->lock);
			goto destroy;
		}
		region->id = id;
		region->pgoff = (unsigned long)id << KHEAP_PGOFF_SHIFT;
	}
	for (i = 0; i < count; i++) {
		list_add_tail(&regions[i]->node, &kf->regions);
		entries[i].offset = (u64)regions[i]->pgoff << PAGE_SHIFT;
	}
	mutex_unlock(&kf->lock);

	kheap_account_region_added(proc, count);
	if (regions != &one)
		kvfree(regions);
	return 0;

destroy:
	while (n--)
		kheap_region_destroy(regions[n]);
	kheap_account_uncharge(proc, total);
failed:
	/* A dying process did not fail, it was interrupted. */
	if (ret != -EINTR)
		kheap_account_failure(proc);
free_array:
	if (regions != &one)
		kvfree(regions);
	return ret;
}

/**
 * kheap_region_lookup_pgoff() - find a region of @kf by its page offset
 * @kf: the file the region must belong to
 * @pgoff: the mmap offset in pages (a vma's vm_pgoff) the region starts at
 *
 * Context: caller holds @kf->lock, which keeps a found region listed and
 * alive until it is dropped.
 * Return: the region, or NULL if @pgoff is not the start of a live region
 * of @kf.
 */
struct kheap_region *kheap_region_lookup_pgoff(struct kheap_file *kf,
					       unsigned long pgoff)
{
	struct kheap_region *region;
	unsigned long id = pgoff >> KHEAP_PGOFF_SHIFT;

	lockdep_assert_held(&kf->lock);

	if (pgoff & (KHEAP_WINDOW_PAGES - 1) || !id || id > KHEAP_ID_MAX)
		return NULL;

	xa_lock(&kheap_ids);
	region = xa_load(&kheap_ids, id);
	if (region && region->kf != kf)
		region = NULL;
	xa_unlock(&kheap_ids);
	return region;
}

/* The region a FREE names by its handle, a byte offset; @kf->lock held. */
static struct kheap_region *kheap_region_lookup_offset(struct kheap_file *kf,
						       u64 offset)
{
	if (offset & ~PAGE_MASK ||
	    offset >> (PAGE_SHIFT + KHEAP_PGOFF_SHIFT) > KHEAP_ID_MAX)
		return NULL;
	return kheap_region_lookup_pgoff(kf, offset >> PAGE_SHIFT);
}

/* Called unlinked, without locks: see "Death" above. */
static void kheap_region_kill(struct kheap_region *region, bool mapped,
			      bool at_exit)
{
	struct kheap_file *kf = region->kf;
	unsigned long i;

	down_write(&region->sem);
	region->dead = true;
	up_write(&region->sem);

	if (mapped) {
		for (i = 0; i < region->nr_pages; i++) {
			lock_page(region->pages[i]);
			unlock_page(region->pages[i]);
		}
		unmap_mapping_range(kf->mapping,
				    (loff_t)region->pgoff << PAGE_SHIFT,
				    (loff_t)region->nr_pages << PAGE_SHIFT, 1);
	}

	kheap_pages_put(region->pages, region->nr_pages);
	kheap_account_region_removed(region->proc, region->nr_pages, at_exit);
	kheap_region_put(region);
}

/*
 * Can a VMA map the region?  Called once the region is unlinked: off its
 * file's list and out of kheap_ids, where kheap_mmap() can no longer find
 * it.  Every VMA holds a reference; a new VMA is only ever made by
 * kheap_mmap(), under @kf->lock, of a region it finds there, or from an
 * existing VMA (mremap).  So with only the file's reference left, no VMA
 * maps the region and none can appear: there is nothing to zap or wait
 * for.
 */
static bool kheap_region_mapped(struct kheap_region *region)
{
	return kref_read(&region->kref) > 1;
}

/**
 * kheap_region_free_batch() - KHEAP_IOC_FREE and KHEAP_IOC_BATCH_FREE
 * @kf: the file that owns the regions
 * @entries: .offset of each: a handle KHEAP_IOC_ALLOC returned
 * @count: number of handles, at least 1
 *
 * All or nothing.  Every mapping of a freed region is torn down; later
 * accesses through a stale pointer get SIGBUS.  The pages go back to the
 * system unless someone else (e.g. in-flight I/O) still holds a reference.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOENT (nothing freed) if an offset is not a live region
 * of @kf or is listed twice.
 */
int kheap_region_free_batch(struct kheap_file *kf,
			    const struct kheap_batch_entry *entries,
			    unsigned int count)
{
	struct kheap_region *region, *tmp;
	LIST_HEAD(dying);
	unsigned int i;

	mutex_lock(&kf->lock);
	for (i = 0; i < count; i++) {
		region = kheap_region_lookup_offset(kf, entries[i].offset);
		if (!region || region->freeing)
			break;
		region->freeing = true;
		list_move_tail(&region->node, &dying);
	}
	if (i < count) {
		list_for_each_entry(region, &dying, node)
			region->freeing = false;
		list_splice(&dying, &kf->regions);
		mutex_unlock(&kf->lock);
		return -ENOENT;
	}
	list_for_each_entry(region, &dying, node)
		xa_erase(&kheap_ids, region->id);
	mutex_unlock(&kf->lock);

	list_for_each_entry_safe(region, tmp, &dying, node) {
		list_del(&region->node);
		kheap_region_kill(region, kheap_region_mapped(region), false);
	}
	return 0;
}

/**
 * kheap_region_free_all() - free every region of a file being released
 * @kf: the file
 *
 * Context: process context, may sleep; called from ->release, when no
 * mapping of @kf can exist any more (each VMA pins its file).  The regions
 * count as reclaimed at exit for the process's figures.
 */
void kheap_region_free_all(struct kheap_file *kf)
{
	struct kheap_region *region, *tmp;
	LIST_HEAD(dying);

	mutex_lock(&kf->lock);
	list_for_each_entry_safe(region, tmp, &kf->regions, node) {
		xa_erase(&kheap_ids, region->id);
		list_move_tail(&region->node, &dying);
	}
	mutex_unlock(&kf->lock);

	list_for_each_entry_safe(region, tmp, &dying, node) {
		list_del(&region->node);
		kheap_region_kill(region, kheap_region_mapped(region), true);
	}
}

/**
 * kheap_region_fork_copy() - a private copy of a region for a forked child
 * @src: the region the parent's VMA maps (itself possibly a copy)
 * @mm: the child's address space
 *
 * Charged to the child's kheap_proc (created if needed, without pid until
 * the child shows up).  The contents are those of @src at the time of the
 * copy; writes that other threads of the parent make during fork() may or
 * may not be in it, as with any memory shared between threads.
 *
 * Context: fork (dup_mmap), both mmap_locks held for write, may sleep.
 * Return: the copy holding one reference (the child's VMA's), or NULL if
 * it could not be made (a limit, no memory, the parent freed @src, or the
 * parent is being killed); the child's mapping then raises SIGBUS.
 */
struct kheap_region *kheap_region_fork_copy(struct kheap_region *src,
					    struct mm_struct *mm)
{
	struct kheap_region *copy;
	struct kheap_proc *proc;
	unsigned long i;

	proc = kheap_proc_get_mm(mm);
	if (IS_ERR(proc))
		return NULL;
	if (kheap_account_charge(proc, src->nr_pages))
		goto put_proc;
	copy = kheap_region_create(proc, src->nr_pages, 0);
	if (IS_ERR(copy)) {
		if (PTR_ERR(copy) != -EINTR)
			kheap_account_failure(proc);
		goto uncharge;
	}

	down_read(&src->sem);
	if (src->dead)
		goto unlock;
	for (i = 0; i < src->nr_pages; i++) {
		if (fatal_signal_pending(current))
			goto unlock;
		copy_highpage(copy->pages[i], src->pages[i]);
		if (!(i & 63))
			cond_resched();
	}
	up_read(&src->sem);

	copy->pgoff = src->pgoff;
	kheap_account_region_added(proc, 1);
	return copy;

unlock:
	up_read(&src->sem);
	kheap_region_destroy(copy);
uncharge:
	kheap_account_uncharge(proc, src->nr_pages);
put_proc:
	kheap_proc_put(proc);
	return NULL;
}

/**
 * kheap_regions_exit() - module unload: check that no region survived
 *
 * Every file is closed before the module can go, and every file frees its
 * regions on close, so the id space must be empty here.
 */
void kheap_regions_exit(void)
{
	WARN_ON_ONCE(!xa_empty(&kheap_ids));
	xa_destroy(&kheap_ids);
}
