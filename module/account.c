// SPDX-License-Identifier: GPL-2.0
/*
 * kheap accounting: who holds how much of the heap, and the limits.
 *
 * A struct kheap_proc exists per thread group (keyed by its struct pid)
 * for as long as that process has /dev/kheap open at least once; every
 * open file of the process holds one reference, so the /proc/kheap row
 * disappears with the last close.  Keying by struct pid rather than by pid
 * number makes the lookup immune to pid reuse.
 *
 * Counters are atomics, not a lock: the alloc/free fast paths of hundreds
 * of processes only ever touch their own kheap_proc plus a handful of
 * global atomics.  Limits are enforced by "add, then check, undo on
 * overshoot"; two racing allocations near a limit can both be refused
 * where one would have fit, but the limit is never exceeded.  Readers
 * (/proc/kheap) see each counter exactly but not all of them at one
 * instant, which is fine for a statistics file.
 *
 * kheap_procs_lock (a mutex) protects only the list of kheap_proc: open,
 * last close and readers of the list take it.  It nests inside nothing of
 * ours and nothing of ours nests inside it (see main.c).
 */
#include <linux/errno.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kheap.h"

struct kheap_stats kheap_stats;

static LIST_HEAD(kheap_procs);
static DEFINE_MUTEX(kheap_procs_lock);

/**
 * kheap_proc_get_current() - find or create the caller's kheap_proc
 *
 * Context: process context, may sleep; takes kheap_procs_lock.
 * Return: a referenced kheap_proc of the caller's thread group, or an
 * ERR_PTR(-ENOMEM).
 */
struct kheap_proc *kheap_proc_get_current(void)
{
	struct pid *tgid = task_tgid(current);
	struct kheap_proc *proc, *fresh;

	/* Allocate before locking: the common case is a first open. */
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return ERR_PTR(-ENOMEM);

	mutex_lock(&kheap_procs_lock);
	list_for_each_entry(proc, &kheap_procs, node) {
		if (proc->pid == tgid) {
			kref_get(&proc->kref);
			mutex_unlock(&kheap_procs_lock);
			kfree(fresh);
			return proc;
		}
	}
	kref_init(&fresh->kref);
	fresh->pid = get_pid(tgid);
	get_task_comm(fresh->comm, current->group_leader);
	list_add_tail(&fresh->node, &kheap_procs);
	mutex_unlock(&kheap_procs_lock);
	return fresh;
}

static void kheap_proc_release(struct kref *kref)
{
	struct kheap_proc *proc = container_of(kref, struct kheap_proc, kref);

	list_del(&proc->node);
	mutex_unlock(&kheap_procs_lock);
	put_pid(proc->pid);
	kfree(proc);
}

/**
 * kheap_proc_put() - drop a reference taken by kheap_proc_get_current()
 * @proc: the process accounting object
 *
 * The last reference unlinks @proc, so its /proc/kheap row disappears.
 *
 * Context: process context, may sleep.
 */
void kheap_proc_put(struct kheap_proc *proc)
{
	kref_put_mutex(&proc->kref, kheap_proc_release, &kheap_procs_lock);
}

static void kheap_peak_update(atomic_long_t *peak, long val)
{
	long old = atomic_long_read(peak);

	while (old < val && !atomic_long_try_cmpxchg(peak, &old, val))
		;
}

/**
 * kheap_account_charge() - reserve pages against the limits
 * @proc: the allocating process
 * @pages: number of pages about to be allocated
 *
 * The pages count as in use from here on, even before they exist, so that
 * concurrent allocations cannot together overshoot a limit.
 *
 * Return: 0, -EDQUOT if @proc would exceed max_pages_per_process, or
 * -ENOSPC if all processes together would exceed max_pages_total.
 */
int kheap_account_charge(struct kheap_proc *proc, unsigned long pages)
{
	unsigned long mine, total;

	mine = atomic_long_add_return(pages, &proc->pages);
	if (mine > kheap_max_pages_per_process()) {
		atomic_long_sub(pages, &proc->pages);
		return -EDQUOT;
	}
	total = atomic_long_add_return(pages, &kheap_stats.pages);
	if (total > kheap_max_pages_total()) {
		atomic_long_sub(pages, &kheap_stats.pages);
		atomic_long_sub(pages, &proc->pages);
		return -ENOSPC;
	}
	kheap_peak_update(&proc->peak, mine);
	kheap_peak_update(&kheap_stats.peak, total);
	return 0;
}

/**
 * kheap_account_uncharge() - return pages charged by kheap_account_charge()
 * @proc: the process that was charged
 * @pages: number of pages
 */
void kheap_account_uncharge(struct kheap_proc *proc, unsigned long pages)
{
	atomic_long_sub(pages, &proc->pages);
	atomic_long_sub(pages, &kheap_stats.pages);
}

/**
 * kheap_account_failure() - count a well-formed ALLOC that was refused
 * @proc: the process whose request failed
 */
void kheap_account_failure(struct kheap_proc *proc)
{
	atomic_long_inc(&proc->failures);
	atomic_long_inc(&kheap_stats.failures);
}

/**
 * kheap_account_region_added() - count a successful ALLOC
 * @proc: the owning process
 */
void kheap_account_region_added(struct kheap_proc *proc)
{
	atomic_long_inc(&proc->regions);
	atomic_long_inc(&kheap_stats.regions);
	atomic_long_inc(&kheap_stats.allocations);
}

/**
 * kheap_account_region_removed() - count a region freed by FREE or close
 * @proc: the owning process
 */
void kheap_account_region_removed(struct kheap_proc *proc)
{
	atomic_long_dec(&proc->regions);
	atomic_long_dec(&kheap_stats.regions);
	atomic_long_inc(&kheap_stats.frees);
}

/**
 * kheap_account_visit_procs() - visit every process with kheap open
 * @fn: called once per process, in order of first open
 * @arg: passed through to @fn
 *
 * Context: process context; @fn runs under kheap_procs_lock, so it may
 * sleep but must not open or close /dev/kheap.
 */
void kheap_account_visit_procs(kheap_proc_visit_t fn, void *arg)
{
	struct kheap_proc *proc;

	mutex_lock(&kheap_procs_lock);
	list_for_each_entry(proc, &kheap_procs, node)
		fn(proc, arg);
	mutex_unlock(&kheap_procs_lock);
}
