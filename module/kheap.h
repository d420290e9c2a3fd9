/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kheap internal header: the objects every part of the module shares.
 *
 * Object model (see main.c for the lock order):
 *
 *   struct kheap_proc    one per thread group (tgid) that has /dev/kheap
 *                        open; shared by all its open files; holds the
 *                        per-process counters shown in /proc/kheap.
 *   struct kheap_file    one per open file description; owns regions.
 *   struct kheap_region  one ALLOC; an array of order-0 pages plus a
 *                        globally unique mmap offset (its handle).
 *
 * Lifetimes: a region is referenced by its owning file (until FREE or
 * release) and by every VMA that maps it (vm_open/vm_close).  A VMA pins
 * its file (vma->vm_file), so a file always outlives the mappings of its
 * regions, and the module (fops owner) outlives every file.
 */
#ifndef _KHEAP_INTERNAL_H
#define _KHEAP_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/minmax.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/types.h>

#include <linux/kheap.h>

struct address_space;
struct file;
struct page;
struct pid;
struct seq_file;
struct vm_area_struct;

/*
 * Region handles.  Every open of /dev/kheap through the same device node
 * shares one inode->i_mapping, and unmap_mapping_range() zaps by file
 * offset range, so the offset ranges of all live regions must be disjoint
 * system wide.  A region gets a global id (from 1) and owns the page
 * offset window [id << KHEAP_PGOFF_SHIFT, (id + 1) << KHEAP_PGOFF_SHIFT),
 * which bounds a region to KHEAP_REGION_PAGES_MAX pages.  With 4 KiB pages
 * the byte offset is id << 32; KHEAP_ID_MAX keeps it below 2^63 and the
 * page offset within an unsigned long.
 */
#define KHEAP_PGOFF_SHIFT	20
#define KHEAP_REGION_PAGES_MAX	BIT(KHEAP_PGOFF_SHIFT)
#define KHEAP_ID_BITS_64	(63 - PAGE_SHIFT - KHEAP_PGOFF_SHIFT)
#define KHEAP_ID_BITS_LONG	(BITS_PER_LONG - KHEAP_PGOFF_SHIFT)
#define KHEAP_ID_BITS		min_t(int, KHEAP_ID_BITS_64, KHEAP_ID_BITS_LONG)
#define KHEAP_ID_MAX		((u32)((1ULL << KHEAP_ID_BITS) - 1))

/**
 * struct kheap_proc - per thread group accounting
 * @node:	link in the global process list (kheap_procs_lock)
 * @kref:	one reference per open file of this process
 * @pid:	the thread group's struct pid (a counted reference)
 * @comm:	command name of the opener, captured at first open
 * @regions:	live regions of this process
 * @pages:	pages held by those regions
 * @peak:	high-water mark of @pages
 * @failures:	well-formed ALLOC requests refused (limit or no memory)
 */
struct kheap_proc {
	struct list_head node;
	struct kref kref;
	struct pid *pid;
	char comm[TASK_COMM_LEN];
	atomic_long_t regions;
	atomic_long_t pages;
	atomic_long_t peak;
	atomic_long_t failures;
};

/**
 * struct kheap_stats - global counters (all monotonic except the gauges)
 * @regions:		live regions (gauge)
 * @pages:		pages held by live regions (gauge)
 * @peak:		high-water mark of @pages
 * @allocations:	successful ALLOCs
 * @frees:		regions freed, by FREE or by close
 * @failures:		well-formed ALLOCs refused (limit or no memory)
 */
struct kheap_stats {
	atomic_long_t regions;
	atomic_long_t pages;
	atomic_long_t peak;
	atomic_long_t allocations;
	atomic_long_t frees;
	atomic_long_t failures;
};

/**
 * struct kheap_file - one open file description of /dev/kheap
 * @proc:	accounting owner; the opener's thread group
 * @mapping:	the address_space mappings of this file live in
 * @lock:	protects @regions
 * @regions:	regions owned by this file (struct kheap_region.node)
 */
struct kheap_file {
	struct kheap_proc *proc;
	struct address_space *mapping;
	struct mutex lock; /* protects @regions */
	struct list_head regions;
};

/**
 * struct kheap_region - one allocated region
 * @kref:	owner file's reference plus one per mapping VMA
 * @node:	link in the owner's region list (kheap_file.lock)
 * @owner:	the file that allocated it; constant
 * @id:		global id; the handle is @id << (KHEAP_PGOFF_SHIFT + PAGE_SHIFT)
 * @pgoff:	mmap offset in pages
 * @nr_pages:	size in pages; constant
 * @sem:	fault side readers vs. the one writer that kills the region
 * @dead:	set once by FREE/release under @sem; faults then SIGBUS
 * @pages:	the pages; released (put) right after the region dies
 */
struct kheap_region {
	struct kref kref;
	struct list_head node;
	struct kheap_file *owner;
	u32 id;
	unsigned long pgoff;
	unsigned long nr_pages;
	struct rw_semaphore sem;
	bool dead;
	struct page **pages;
};

/* params.c */
unsigned long kheap_max_pages_per_region(void);
unsigned long kheap_max_pages_per_process(void);
unsigned long kheap_max_pages_total(void);

/* account.c */
extern struct kheap_stats kheap_stats;
struct kheap_proc *kheap_proc_get_current(void);
void kheap_proc_put(struct kheap_proc *proc);
int kheap_account_charge(struct kheap_proc *proc, unsigned long pages);
void kheap_account_uncharge(struct kheap_proc *proc, unsigned long pages);
void kheap_account_failure(struct kheap_proc *proc);
void kheap_account_region_added(struct kheap_proc *proc);
void kheap_account_region_removed(struct kheap_proc *proc);
typedef void (*kheap_proc_visit_t)(const struct kheap_proc *proc, void *arg);
void kheap_account_visit_procs(kheap_proc_visit_t fn, void *arg);

/* region.c */
int kheap_region_alloc(struct kheap_file *kf, unsigned long nr_pages,
		       u64 *offset);
int kheap_region_free(struct kheap_file *kf, u64 offset);
void kheap_region_free_all(struct kheap_file *kf);
struct kheap_region *kheap_region_lookup(struct kheap_file *kf,
					 unsigned long pgoff);
void kheap_region_get(struct kheap_region *region);
void kheap_region_put(struct kheap_region *region);
void kheap_regions_exit(void);

/* ioctl.c */
long kheap_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* mmap.c */
int kheap_mmap(struct file *file, struct vm_area_struct *vma);

/* procfs.c */
int kheap_procfs_init(void);
void kheap_procfs_exit(void);

/**
 * kheap_current_is_owner() - is the caller the process that opened @kf?
 * @kf: the open file
 *
 * Return: true when the calling thread belongs to the thread group that
 * opened @kf.  Comparing struct pid pointers is exact: @kf->proc holds a
 * reference, so the pointer cannot be recycled.
 */
static inline bool kheap_current_is_owner(const struct kheap_file *kf)
{
	return task_tgid(current) == kf->proc->pid;
}

#endif /* _KHEAP_INTERNAL_H */
