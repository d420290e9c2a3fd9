// SPDX-License-Identifier: GPL-2.0
/*
 * kheap regions: the heap itself.
 *
 * A region is an array of order-0 pages.  Order 0 because the heap must
 * keep working on a fragmented machine and because userspace only ever
 * sees page granularity anyway; the userspace library does the carving.
 * Pages are allocated with:
 *
 *   GFP_KERNEL_ACCOUNT   charged to the caller's memory cgroup, so the heap
 *                        cannot be used to escape a container's limit;
 *   __GFP_ZERO           never leak a previous user's data;
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
 * mmap offset is the id shifted past a window of KHEAP_REGION_PAGES_MAX
 * pages (see kheap.h), so live regions never share file offsets, which
 * unmap_mapping_range() relies on.  Cyclic allocation keeps a stale handle
 * from naming a new region for as long as possible.  The xarray maps id to
 * region; lookups happen under its xa_lock and then check the owner, so a
 * process can only ever see its own file's regions.  A region leaves the
 * xarray before it is killed, and its struct is freed only after that, so
 * anything found under xa_lock is alive.
 *
 * Death.  FREE (or the last close of the file) unlinks a region, then
 * kills it: set @dead under @sem held for write, zap every mapping of its
 * offset range, put the pages.  The fault handler (mmap.c) inserts a page
 * only while holding @sem for read and seeing !@dead, so once the writer
 * has passed no new PTE can appear, and every PTE that existed is zapped;
 * a stale pointer then takes a fault that returns SIGBUS.  The struct
 * itself stays until the last VMA referencing it is gone (kref).
 */
#include <linux/gfp.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "kheap.h"

#define KHEAP_GFP (GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN | \
		   __GFP_RETRY_MAYFAIL)

static DEFINE_XARRAY_ALLOC1(kheap_ids);
static u32 kheap_next_id;

static void kheap_pages_put(struct page **pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		put_page(pages[i]);
		cond_resched();
	}
	kvfree(pages);
}

static void kheap_region_release(struct kref *kref)
{
	struct kheap_region *region =
		container_of(kref, struct kheap_region, kref);

	kfree(region);
}

/**
 * kheap_region_get() - take a reference on a region
 * @region: the region; the caller must already hold a reference or the
 *          owner's lock with the region still listed
 */
void kheap_region_get(struct kheap_region *region)
{
	kref_get(&region->kref);
}

/**
 * kheap_region_put() - drop a reference on a region
 * @region: the region
 *
 * The pages are long gone by the time the last reference drops (they are
 * put when the region dies); this only frees the bookkeeping.
 */
void kheap_region_put(struct kheap_region *region)
{
	kref_put(&region->kref, kheap_region_release);
}

/**
 * kheap_region_alloc() - allocate a region for an open file
 * @kf: the owning file
 * @nr_pages: size in pages, already checked against max_pages_per_region
 * @offset: on success, the region's mmap offset (its handle)
 *
 * Context: process context, may sleep for a long time; gives up early if
 * the caller is being killed.
 * Return: 0, -EDQUOT or -ENOSPC (limits, see account.c), -ENOMEM, -EBUSY
 * if every id is taken, or -EINTR if a fatal signal is pending.
 */
int kheap_region_alloc(struct kheap_file *kf, unsigned long nr_pages,
		       u64 *offset)
{
	struct kheap_proc *proc = kf->proc;
	struct kheap_region *region;
	unsigned long i = 0;
	u32 id;
	int ret;

	region = kzalloc(sizeof(*region), GFP_KERNEL_ACCOUNT);
	if (!region) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = kheap_account_charge(proc, nr_pages);
	if (ret)
		goto free_region;

	region->pages = kvcalloc(nr_pages, sizeof(*region->pages),
				 GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!region->pages) {
		ret = -ENOMEM;
		goto uncharge;
	}
	for (i = 0; i < nr_pages; i++) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto put_pages;
		}
		region->pages[i] = alloc_page(KHEAP_GFP);
		if (!region->pages[i]) {
			ret = -ENOMEM;
			goto put_pages;
		}
		cond_resched();
	}

	kref_init(&region->kref);
	init_rwsem(&region->sem);
	region->owner = kf;
	region->nr_pages = nr_pages;

	mutex_lock(&kf->lock);
	ret = xa_alloc_cyclic(&kheap_ids, &id, region,
			      XA_LIMIT(1, KHEAP_ID_MAX), &kheap_next_id,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		mutex_unlock(&kf->lock);
		goto put_pages;
	}
	region->id = id;
	region->pgoff = (unsigned long)id << KHEAP_PGOFF_SHIFT;
	list_add_tail(&region->node, &kf->regions);
	mutex_unlock(&kf->lock);

	kheap_account_region_added(proc);
	*offset = (u64)region->pgoff << PAGE_SHIFT;
	return 0;

put_pages:
	kheap_pages_put(region->pages, i);
uncharge:
	kheap_account_uncharge(proc, nr_pages);
free_region:
	kfree(region);
fail:
	/* A dying process did not fail, it was interrupted. */
	if (ret != -EINTR)
		kheap_account_failure(proc);
	return ret;
}

/**
 * kheap_region_lookup() - find a region of @kf by its exact mmap offset
 * @kf: the file that must own the region
 * @pgoff: the offset in pages
 *
 * Context: caller holds @kf->lock, which keeps a found region listed and
 * alive until it is dropped.
 * Return: the region, or NULL if @pgoff is not the start of a live region
 * owned by @kf.
 */
struct kheap_region *kheap_region_lookup(struct kheap_file *kf,
					 unsigned long pgoff)
{
	struct kheap_region *region;
	unsigned long id = pgoff >> KHEAP_PGOFF_SHIFT;

	lockdep_assert_held(&kf->lock);

	if (pgoff & (KHEAP_REGION_PAGES_MAX - 1) || !id || id > KHEAP_ID_MAX)
		return NULL;

	xa_lock(&kheap_ids);
	region = xa_load(&kheap_ids, id);
	if (region && region->owner != kf)
		region = NULL;
	xa_unlock(&kheap_ids);
	return region;
}

/* Called with kf->lock held: the region becomes unreachable by handle. */
static void kheap_region_unlink(struct kheap_region *region)
{
	list_del(&region->node);
	xa_erase(&kheap_ids, region->id);
}

/* Called unlinked, without locks: see "Death" above. */
static void kheap_region_kill(struct kheap_region *region)
{
	struct kheap_file *kf = region->owner;

	down_write(&region->sem);
	region->dead = true;
	up_write(&region->sem);

	unmap_mapping_range(kf->mapping, (loff_t)region->pgoff << PAGE_SHIFT,
			    (loff_t)region->nr_pages << PAGE_SHIFT, 1);

	kheap_pages_put(region->pages, region->nr_pages);
	region->pages = NULL;

	kheap_account_uncharge(kf->proc, region->nr_pages);
	kheap_account_region_removed(kf->proc);
	kheap_region_put(region);
}

/**
 * kheap_region_free() - KHEAP_IOC_FREE: give a region back
 * @kf: the file that owns the region
 * @offset: the handle KHEAP_IOC_ALLOC returned
 *
 * Every mapping of the region is torn down; later accesses through a stale
 * pointer get SIGBUS.  The pages go back to the system unless someone else
 * (e.g. in-flight I/O) still holds a reference.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOENT if @offset is not a live region of @kf.
 */
int kheap_region_free(struct kheap_file *kf, u64 offset)
{
	struct kheap_region *region = NULL;

	mutex_lock(&kf->lock);
	if (!(offset & ~PAGE_MASK) &&
	    offset >> (PAGE_SHIFT + KHEAP_PGOFF_SHIFT) <= KHEAP_ID_MAX)
		region = kheap_region_lookup(kf, offset >> PAGE_SHIFT);
	if (region)
		kheap_region_unlink(region);
	mutex_unlock(&kf->lock);

	if (!region)
		return -ENOENT;
	kheap_region_kill(region);
	return 0;
}

/**
 * kheap_region_free_all() - free every region of a file being released
 * @kf: the file
 *
 * Context: process context, may sleep; called from ->release, when no
 * mapping of @kf can exist any more (each VMA pins its file).
 */
void kheap_region_free_all(struct kheap_file *kf)
{
	struct kheap_region *region, *tmp;
	LIST_HEAD(dying);

	mutex_lock(&kf->lock);
	list_for_each_entry_safe(region, tmp, &kf->regions, node) {
		kheap_region_unlink(region);
		list_add_tail(&region->node, &dying);
	}
	mutex_unlock(&kf->lock);

	list_for_each_entry_safe(region, tmp, &dying, node) {
		list_del(&region->node);
		kheap_region_kill(region);
	}
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
