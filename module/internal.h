/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kheap internal header: the objects every part of the module shares.
 *
 * Object model (see main.c for the lock order):
 *
 *   struct kheap_proc    one per address space (mm) known to kheap: the
 *                        opener of a file, or a forked child holding
 *                        copies; holds the counters shown in /proc/kheap.
 *   struct kheap_file    one per open file description; holds regions.
 *   struct kheap_region  one ALLOC (or one fork copy); an array of order-0
 *                        pages plus a globally unique mmap offset.
 *
 * Lifetimes: a region of a file is referenced by that file (until FREE
 * or release) and by every VMA that maps it (vm_open/vm_close).  A VMA pins
 * its file (vma->vm_file), so a file always outlives the mappings of its
 * regions, and the module (fops owner) outlives every file.  A fork copy
 * has no file: the child's VMAs are its only references, and it charges
 * (and holds a reference on) the child's kheap_proc.
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
struct mm_struct;
struct page;
struct pid;
struct seq_file;
struct vm_area_struct;

/*
 * Region handles.  Every open of /dev/kheap through the same device node
 * shares one inode->i_mapping, and unmap_mapping_range() zaps by file
 * offset range, so the offset ranges of all live regions must be disjoint
 * system wide.  A region gets a global id (from 1) and owns the offset
 * window of KHEAP_WINDOW_PAGES pages [id << KHEAP_PGOFF_SHIFT,
 * (id + 1) << KHEAP_PGOFF_SHIFT), which bounds a region to that many
 * pages; the parameter max_pages_per_region can only lower the bound.
 * With 4 KiB pages the byte offset is id << 32; KHEAP_ID_MAX keeps it
 * below 2^63 and the page offset within an unsigned long.
 */
#define KHEAP_PGOFF_SHIFT	20
#define KHEAP_WINDOW_PAGES	BIT(KHEAP_PGOFF_SHIFT)
#define KHEAP_ID_BITS_64	(63 - PAGE_SHIFT - KHEAP_PGOFF_SHIFT)
#define KHEAP_ID_BITS_LONG	(BITS_PER_LONG - KHEAP_PGOFF_SHIFT)
#define KHEAP_ID_BITS		min_t(int, KHEAP_ID_BITS_64, KHEAP_ID_BITS_LONG)
#define KHEAP_ID_MAX		((u32)((1ULL << KHEAP_ID_BITS) - 1))

/*
 * A 32-bit process hands mmap a 32-bit page offset, so its regions take
 * ids up to KHEAP_ID_MAX_COMPAT (from a cursor of their own), as every
 * region does on a 32-bit kernel. Only the process that allocated a region
 * may map it, so the ALLOC call decides which ids the region may take.
 */
#define KHEAP_ID_MAX_COMPAT	((u32)(BIT(32 - KHEAP_PGOFF_SHIFT) - 1))

/**
 * struct kheap_proc - per address space accounting
 * @node:		link in the global process list (kheap_procs_lock)
 * @kref:		one reference per open file and per fork copy
 * @mm:			the address space, the key; grabbed (mmgrab), so the
 *			pointer is never reused while this object lives
 * @pid:		its thread group's struct pid (counted), or NULL until a
 *			task of @mm first enters kheap (a forked child's copies
 *			are made before the child has a pid); set once
 * @comm:		command name, captured together with @pid
 * @regions:		live regions charged to this process
 * @pages:		pages held by those regions
 * @peak:		high-water mark of @pages
 * @failures:		well-formed requests refused for lack of memory
 * @limit_hits:		well-formed requests refused by a limit
 * @exit_regions:	regions reclaimed because the process went away
 *			(last close of a file, or exit/exec with copies)
 * @exit_pages:		pages of those regions
 */
struct kheap_proc {
	struct list_head node;
	struct kref kref;
	struct mm_struct *mm;
	struct pid *pid;
	char comm[TASK_COMM_LEN];
	atomic_long_t regions;
	atomic_long_t pages;
	atomic_long_t peak;
	atomic_long_t failures;
	atomic_long_t limit_hits;
	atomic_long_t exit_regions;
	atomic_long_t exit_pages;
};

/**
 * struct kheap_counters - global counters (all monotonic except the gauges)
 * @regions:		live regions (gauge)
 * @pages:		pages held by live regions (gauge)
 * @peak:		high-water mark of @pages
 * @allocations:	regions created: ALLOC, batch entries, fork copies
 * @frees:		regions gone: FREE, close, last unmap of a copy
 * @failures:		well-formed requests refused for lack of memory
 * @limit_hits:		well-formed requests refused by a limit
 * @processes:		live struct kheap_proc (gauge)
 */
struct kheap_counters {
	atomic_long_t regions;
	atomic_long_t pages;
	atomic_long_t peak;
	atomic_long_t allocations;
	atomic_long_t frees;
	atomic_long_t failures;
	atomic_long_t limit_hits;
	atomic_long_t processes;
};

/**
 * struct kheap_global_stats - a snapshot of the global state
 * @regions:			live regions
 * @pages:			pages held by live regions
 * @peak:			high-water mark of @pages since load
 * @allocations:		regions created since load
 * @frees:			regions gone since load
 * @failures:			requests refused for lack of memory
 * @limit_hits:			requests refused by a limit
 * @processes:			processes known to kheap
 * @max_pages_per_region:	limit in force
 * @max_pages_per_process:	limit in force
 * @max_pages_total:		limit in force
 *
 * Each field is read exactly, but not all at one instant.
 */
struct kheap_global_stats {
	u64 regions;
	u64 pages;
	u64 peak;
	u64 allocations;
	u64 frees;
	u64 failures;
	u64 limit_hits;
	u64 processes;
	u64 max_pages_per_region;
	u64 max_pages_per_process;
	u64 max_pages_total;
};

/**
 * struct kheap_proc_stats - a snapshot of one process
 * @pid:		thread group id in the pid namespace of the caller of
 *			the snapshot function, 0 if unknown or invisible there
 * @pid_global:		thread group id in the initial pid namespace, 0 if
 *			not known yet
 * @comm:		command name ("" until known), NUL terminated
 * @regions:		live regions
 * @pages:		pages held
 * @peak:		high-water mark of @pages
 * @failures:		requests refused for lack of memory
 * @limit_hits:		requests refused by a limit
 * @exit_regions:	regions reclaimed because the process went away
 * @exit_pages:		pages of those regions
 */
struct kheap_proc_stats {
	pid_t pid;
	pid_t pid_global;
	char comm[TASK_COMM_LEN];
	u64 regions;
	u64 pages;
	u64 peak;
	u64 failures;
	u64 limit_hits;
	u64 exit_regions;
	u64 exit_pages;
};

/**
 * struct kheap_file - one open file description of /dev/kheap
 * @proc:	the file's owner, charged for its regions: the process
 *		(address space) that opened it
 * @mapping:	the address_space mappings of this file live in
 * @lock:	protects @regions and the regions' @freeing marks
 * @regions:	the regions of this file (struct kheap_region.node)
 */
struct kheap_file {
	struct kheap_proc *proc;
	struct address_space *mapping;
	struct mutex lock; /* protects @regions */
	struct list_head regions;
};

/**
 * struct kheap_region - one allocated region, or one fork copy
 * @kref:	@kf's reference (a fork copy has none) plus one per
 *		mapping VMA
 * @node:	link in @kf's region list (kheap_file.lock)
 * @kf:		the file that allocated it, NULL for a fork copy; constant
 * @proc:	the process it is charged to; constant
 * @id:		global id (0 for a copy); the handle is
 *		@id << (KHEAP_PGOFF_SHIFT + PAGE_SHIFT)
 * @pgoff:	mmap offset in pages
 * @nr_pages:	size in pages; constant
 * @sem:	fault side readers vs. the one writer that kills the region
 * @dead:	set once by FREE/release under @sem; faults then SIGBUS
 * @freeing:	picked by a FREE or BATCH_FREE in progress (kheap_file.lock)
 * @at_exit:	a fork copy's last mapping went with its process (exit or
 *		exec) rather than by munmap; set by vm_close
 * @pages:	the pages; released right after the region dies (a fork
 *		copy: with its last reference)
 */
struct kheap_region {
	struct kref kref;
	struct list_head node;
	struct kheap_file *kf;
	struct kheap_proc *proc;
	u32 id;
	unsigned long pgoff;
	unsigned long nr_pages;
	struct rw_semaphore sem;
	bool dead;
	bool freeing;
	bool at_exit;
	struct page *pages[];
};

/* params.c */
unsigned long kheap_max_pages_per_region(void);
unsigned long kheap_max_pages_per_process(void);
unsigned long kheap_max_pages_total(void);
int kheap_set_limits(u64 per_process, u64 total);

/* account.c */
struct kheap_proc *kheap_proc_get_current(void);
struct kheap_proc *kheap_proc_get_mm(struct mm_struct *mm);
struct kheap_proc *kheap_proc_find_current(void);
void kheap_proc_put(struct kheap_proc *proc);
void kheap_proc_claim(struct kheap_proc *proc);
int kheap_account_charge(struct kheap_proc *proc, unsigned long pages);
void kheap_account_uncharge(struct kheap_proc *proc, unsigned long pages);
void kheap_account_failure(struct kheap_proc *proc);
void kheap_account_region_added(struct kheap_proc *proc, unsigned long nr);
void kheap_account_region_removed(struct kheap_proc *proc,
				  unsigned long pages, bool at_exit);
typedef void (*kheap_proc_visit_t)(const struct kheap_proc *proc, void *arg);
void kheap_account_visit_procs(kheap_proc_visit_t fn, void *arg,
			       unsigned int *generation);
void kheap_stats_global(struct kheap_global_stats *out);
void kheap_stats_proc(const struct kheap_proc *proc,
		      struct kheap_proc_stats *out);
int kheap_stats_proc_by_pid(pid_t nr, struct kheap_proc_stats *out);

/* region.c */
int kheap_region_alloc_batch(struct kheap_file *kf,
			     struct kheap_batch_entry *entries,
			     unsigned int count);
int kheap_region_free_batch(struct kheap_file *kf,
			    const struct kheap_batch_entry *entries,
			    unsigned int count);
void kheap_region_free_all(struct kheap_file *kf);
struct kheap_region *kheap_region_lookup_pgoff(struct kheap_file *kf,
					       unsigned long pgoff);
struct kheap_region *kheap_region_fork_copy(struct kheap_region *src,
					    struct mm_struct *mm);
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

/*
 * Events, implemented by the generic netlink family (netlink.c).  Both are
 * called in process context with no kheap lock held; they may sleep
 * briefly and allocate, but must not touch user memory or call back into
 * anything that opens or closes /dev/kheap.  @proc is valid for the call
 * only; read it with kheap_stats_proc().
 *
 * kheap_event_limit_hit() - a well-formed request of @proc for
 * @pages_requested pages (a batch: the sum) was refused by a limit.  Also
 * called for a fork copy, then with the child's mmap_lock held.
 *
 * kheap_event_proc_exit() - @proc is going away after some of its regions
 * were reclaimed because it went away (exit_regions/exit_pages of the
 * snapshot, non-zero) rather than freed by FREE; called once, as the last
 * reference drops, with all of its pages already returned.
 */
void kheap_event_limit_hit(const struct kheap_proc *proc,
			   unsigned long pages_requested);
void kheap_event_proc_exit(const struct kheap_proc *proc);

/**
 * kheap_current_is_owner() - is the caller the process that opened @kf?
 * @kf: the open file
 *
 * Return: true when the calling thread runs in the address space that
 * opened @kf.  Comparing mm pointers is exact: @kf->proc grabbed the mm,
 * so the pointer cannot be recycled.
 */
static inline bool kheap_current_is_owner(const struct kheap_file *kf)
{
	return current->mm == kf->proc->mm;
}

/* netlink.c */
int kheap_netlink_init(void);
void kheap_netlink_exit(void);

#endif /* _KHEAP_INTERNAL_H */
