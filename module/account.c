// SPDX-License-Identifier: GPL-2.0
/*
 * kheap accounting: who holds how much of the heap, and the limits.
 *
 * A struct kheap_proc exists per address space (keyed by its mm_struct:
 * one address space is one process, all its threads share it) for as long
 * as that process has /dev/kheap open or holds a fork copy; every open
 * file and every copy holds one reference, so the /proc/kheap row
 * disappears with the last of them.  Keying by mm rather than by pid is
 * what lets fork charge a copy to the child: dup_mmap() runs before the
 * child has a pid, but its mm already exists.  The mm is grabbed (not its
 * address space, only the struct), so the key cannot be recycled while the
 * kheap_proc lives.  The pid and command name are taken when a task of the
 * address space first enters kheap: open, a fault, the STATS ioctl.
 *
 * Counters are atomics, not a lock: the alloc/free fast paths of hundreds
 * of processes only ever touch their own kheap_proc plus a handful of
 * global atomics.  Limits are enforced by "add, then check, undo on
 * overshoot"; two racing allocations near a limit can both be refused
 * where one would have fit, but the limit is never exceeded.  Readers
 * (/proc/kheap, STATS, netlink) see each counter exactly but not all of
 * them at one instant, which is fine for statistics.
 *
 * kheap_procs_lock (a mutex) protects the list of kheap_proc and the
 * one-time setting of pid and comm: open, fork copies, last put and
 * readers of the list take it.  It may be taken under mmap_lock (fork, the
 * fault path) and nothing of ours nests inside it (see main.c).
 */
#include <linux/errno.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

static struct kheap_counters kheap_counters;

static LIST_HEAD(kheap_procs);
static DEFINE_MUTEX(kheap_procs_lock);

/*
 * Moves on whenever a process joins or leaves kheap_procs, so that a reader
 * resuming by list position can tell the list changed in between (netlink
 * dumps flag NLM_F_DUMP_INTR).  Never 0, which netlink takes for unset.
 */
static unsigned int kheap_procs_generation = 1;

static void kheap_procs_changed_locked(void)
{
	lockdep_assert_held(&kheap_procs_lock);
	if (!++kheap_procs_generation)
		kheap_procs_generation = 1;
}

/* kheap_proc_claim() with kheap_procs_lock held. */
static void kheap_proc_claim_locked(struct kheap_proc *proc)
{
	lockdep_assert_held(&kheap_procs_lock);

	if (proc->pid || current->mm != proc->mm)
		return;
	get_task_comm(proc->comm, current->group_leader);
	/* Lockless readers load @pid with acquire, then read @comm. */
	smp_store_release(&proc->pid, get_pid(task_tgid(current)));
}

static struct kheap_proc *kheap_proc_lookup_locked(struct mm_struct *mm)
{
	struct kheap_proc *proc;

	lockdep_assert_held(&kheap_procs_lock);

	list_for_each_entry(proc, &kheap_procs, node)
		if (proc->mm == mm)
			return proc;
	return NULL;
}

/**
 * kheap_proc_get_mm() - find or create the kheap_proc of an address space
 * @mm: the address space; the caller keeps it alive for the call
 *
 * The pid and command name are filled in when @mm is the caller's own;
 * for a forked child (fork copies) they are filled in later, see
 * kheap_proc_claim().
 *
 * Context: process context, may sleep; takes kheap_procs_lock.
 * Return: a referenced kheap_proc, or an ERR_PTR(-ENOMEM).
 */
struct kheap_proc *kheap_proc_get_mm(struct mm_struct *mm)
{
	struct kheap_proc *proc, *fresh;

	/* Allocate before locking: the common case is a first open. */
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return ERR_PTR(-ENOMEM);

	mutex_lock(&kheap_procs_lock);
	proc = kheap_proc_lookup_locked(mm);
	if (proc) {
		kref_get(&proc->kref);
		kheap_proc_claim_locked(proc);
		mutex_unlock(&kheap_procs_lock);
		kfree(fresh);
		return proc;
	}
	kref_init(&fresh->kref);
	mmgrab(mm);
	fresh->mm = mm;
	kheap_proc_claim_locked(fresh);
	list_add_tail(&fresh->node, &kheap_procs);
	kheap_procs_changed_locked();
	atomic_long_inc(&kheap_counters.processes);
	mutex_unlock(&kheap_procs_lock);
	return fresh;
}

/**
 * kheap_proc_get_current() - find or create the caller's kheap_proc
 *
 * Context: process context, may sleep; takes kheap_procs_lock.
 * Return: a referenced kheap_proc of the caller's address space, an
 * ERR_PTR(-ENOMEM), or ERR_PTR(-EINVAL) for a task without an address
 * space (a kernel thread).
 */
struct kheap_proc *kheap_proc_get_current(void)
{
	if (!current->mm)
		return ERR_PTR(-EINVAL);
	return kheap_proc_get_mm(current->mm);
}

/**
 * kheap_proc_find_current() - the caller's kheap_proc, if there is one
 *
 * Also fills in its pid and command name if they were not known yet.
 *
 * Context: process context, may sleep; takes kheap_procs_lock.
 * Return: a referenced kheap_proc, or NULL if the caller's address space
 * holds nothing in kheap.
 */
struct kheap_proc *kheap_proc_find_current(void)
{
	struct kheap_proc *proc;

	if (!current->mm)
		return NULL;
	mutex_lock(&kheap_procs_lock);
	proc = kheap_proc_lookup_locked(current->mm);
	if (proc) {
		kref_get(&proc->kref);
		kheap_proc_claim_locked(proc);
	}
	mutex_unlock(&kheap_procs_lock);
	return proc;
}

/**
 * kheap_proc_claim() - fill in pid and comm if the caller is @proc
 * @proc: a process accounting object the caller holds a reference on
 *
 * Cheap when there is nothing to do (one load): meant for the fault path,
 * where a forked child first shows up.
 *
 * Context: process context, may sleep.
 */
void kheap_proc_claim(struct kheap_proc *proc)
{
	if (READ_ONCE(proc->pid) || current->mm != proc->mm)
		return;
	mutex_lock(&kheap_procs_lock);
	kheap_proc_claim_locked(proc);
	mutex_unlock(&kheap_procs_lock);
}

/* kref_put_mutex() release: unlink under the lock, the rest is the caller's. */
static void kheap_proc_unlink(struct kref *kref)
{
	struct kheap_proc *proc = container_of(kref, struct kheap_proc, kref);

	list_del(&proc->node);
	kheap_procs_changed_locked();
	atomic_long_dec(&kheap_counters.processes);
	mutex_unlock(&kheap_procs_lock);
}

/**
 * kheap_proc_put() - drop a reference on a kheap_proc
 * @proc: the process accounting object
 *
 * The last reference unlinks @proc, so its /proc/kheap row disappears,
 * and reports the exit of a process that left regions behind.
 *
 * Context: process context, may sleep.
 */
void kheap_proc_put(struct kheap_proc *proc)
{
	if (!kref_put_mutex(&proc->kref, kheap_proc_unlink, &kheap_procs_lock))
		return;
	if (atomic_long_read(&proc->exit_regions))
		kheap_event_proc_exit(proc);
	put_pid(proc->pid);
	mmdrop(proc->mm);
	kfree(proc);
}

static void kheap_peak_update(atomic_long_t *peak, long val)
{
	long old = atomic_long_read(peak);

	while (old < val && !atomic_long_try_cmpxchg(peak, &old, val))
		;
}

static int kheap_limit_hit(struct kheap_proc *proc, unsigned long pages)
{
	atomic_long_inc(&proc->limit_hits);
	atomic_long_inc(&kheap_counters.limit_hits);
	kheap_event_limit_hit(proc, pages);
	return -ENOMEM;
}

/**
 * kheap_account_charge() - reserve pages against the limits
 * @proc: the allocating process
 * @pages: number of pages about to be allocated
 *
 * The pages count as in use from here on, even before they exist, so that
 * concurrent allocations cannot together overshoot a limit.  A refusal
 * changes nothing but the limit_hits counters (and reports the event).
 *
 * Context: process context; no kheap lock may be held (the event).
 * Return: 0, or -ENOMEM if @proc would exceed max_pages_per_process or all
 * processes together max_pages_total.
 */
int kheap_account_charge(struct kheap_proc *proc, unsigned long pages)
{
	unsigned long mine, total;

	mine = atomic_long_add_return(pages, &proc->pages);
	if (mine > kheap_max_pages_per_process() || mine < pages) {
		atomic_long_sub(pages, &proc->pages);
		return kheap_limit_hit(proc, pages);
	}
	total = atomic_long_add_return(pages, &kheap_counters.pages);
	if (total > kheap_max_pages_total() || total < pages) {
		atomic_long_sub(pages, &kheap_counters.pages);
		atomic_long_sub(pages, &proc->pages);
		return kheap_limit_hit(proc, pages);
	}
	kheap_peak_update(&proc->peak, mine);
	kheap_peak_update(&kheap_counters.peak, total);
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
	atomic_long_sub(pages, &kheap_counters.pages);
}

/**
 * kheap_account_failure() - count a well-formed request refused for lack
 * of memory (or of handles)
 * @proc: the process whose request failed
 */
void kheap_account_failure(struct kheap_proc *proc)
{
	atomic_long_inc(&proc->failures);
	atomic_long_inc(&kheap_counters.failures);
}

/**
 * kheap_account_region_added() - count regions created
 * @proc: the process they are charged to
 * @nr: number of regions
 */
void kheap_account_region_added(struct kheap_proc *proc, unsigned long nr)
{
	atomic_long_add(nr, &proc->regions);
	atomic_long_add(nr, &kheap_counters.regions);
	atomic_long_add(nr, &kheap_counters.allocations);
}

/**
 * kheap_account_region_removed() - count a region gone and uncharge it
 * @proc: the process it was charged to
 * @pages: its size in pages
 * @at_exit: it went because the process did (close, exit, exec), not by
 *           an explicit FREE or munmap
 */
void kheap_account_region_removed(struct kheap_proc *proc,
				  unsigned long pages, bool at_exit)
{
	if (at_exit) {
		atomic_long_inc(&proc->exit_regions);
		atomic_long_add(pages, &proc->exit_pages);
	}
	kheap_account_uncharge(proc, pages);
	atomic_long_dec(&proc->regions);
	atomic_long_dec(&kheap_counters.regions);
	atomic_long_inc(&kheap_counters.frees);
}

/**
 * kheap_account_visit_procs() - visit every process known to kheap
 * @fn: called once per process, in order of first appearance
 * @arg: passed through to @fn
 * @generation: unless NULL, set before the first call of @fn to a number
 *              that is the same for two visits only if no process joined
 *              or left the list between them (never 0)
 *
 * Context: process context; @fn runs under kheap_procs_lock, so it may
 * sleep and allocate but must not open or close /dev/kheap, fork, or touch
 * user memory.
 */
void kheap_account_visit_procs(kheap_proc_visit_t fn, void *arg,
			       unsigned int *generation)
{
	struct kheap_proc *proc;

	mutex_lock(&kheap_procs_lock);
	if (generation)
		*generation = kheap_procs_generation;
	list_for_each_entry(proc, &kheap_procs, node)
		fn(proc, arg);
	mutex_unlock(&kheap_procs_lock);
}

/**
 * kheap_stats_global() - snapshot the global counters and limits
 * @out: filled in
 *
 * The one source of the global figures for /proc/kheap, the STATS ioctl
 * and netlink.  Lock free.
 */
void kheap_stats_global(struct kheap_global_stats *out)
{
	const struct kheap_counters *c = &kheap_counters;

	out->regions = atomic_long_read(&c->regions);
	out->pages = atomic_long_read(&c->pages);
	out->peak = atomic_long_read(&c->peak);
	out->allocations = atomic_long_read(&c->allocations);
	out->frees = atomic_long_read(&c->frees);
	out->failures = atomic_long_read(&c->failures);
	out->limit_hits = atomic_long_read(&c->limit_hits);
	out->processes = atomic_long_read(&c->processes);
	out->max_pages_per_region = kheap_max_pages_per_region();
	out->max_pages_per_process = kheap_max_pages_per_process();
	out->max_pages_total = kheap_max_pages_total();
}

/**
 * kheap_stats_proc() - snapshot one process
 * @proc: the process; the caller holds a reference or kheap_procs_lock
 *        (kheap_account_visit_procs() callbacks, the event hooks)
 * @out: filled in; @out->pid is as seen from the caller's pid namespace
 */
void kheap_stats_proc(const struct kheap_proc *proc,
		      struct kheap_proc_stats *out)
{
	/* Pairs with the release in kheap_proc_claim_locked(). */
	struct pid *pid = smp_load_acquire(&proc->pid);

	memset(out, 0, sizeof(*out));
	if (pid) {
		out->pid = pid_vnr(pid);
		out->pid_global = pid_nr(pid);
		memcpy(out->comm, proc->comm, sizeof(out->comm));
		out->comm[sizeof(out->comm) - 1] = '\0';
	}
	out->regions = atomic_long_read(&proc->regions);
	out->pages = atomic_long_read(&proc->pages);
	out->peak = atomic_long_read(&proc->peak);
	out->failures = atomic_long_read(&proc->failures);
	out->limit_hits = atomic_long_read(&proc->limit_hits);
	out->exit_regions = atomic_long_read(&proc->exit_regions);
	out->exit_pages = atomic_long_read(&proc->exit_pages);
}

/**
 * kheap_stats_proc_by_pid() - snapshot the process with a given pid
 * @nr: thread group id in the caller's pid namespace
 * @out: filled in
 *
 * A process that kept a descriptor across execve() has two entries (the
 * old image's, whose regions the descriptor still holds, and the new
 * one's); the newest is reported.
 *
 * Context: process context, may sleep; takes kheap_procs_lock.
 * Return: 0, or -ESRCH if no process with that pid is known to kheap.
 */
int kheap_stats_proc_by_pid(pid_t nr, struct kheap_proc_stats *out)
{
	struct kheap_proc *proc, *found = NULL;
	struct pid *pid;

	if (nr <= 0)
		return -ESRCH;
	mutex_lock(&kheap_procs_lock);
	rcu_read_lock();
	pid = find_vpid(nr);
	list_for_each_entry(proc, &kheap_procs, node)
		if (pid && proc->pid == pid)
			found = proc;
	rcu_read_unlock();
	if (found)
		kheap_stats_proc(found, out);
	mutex_unlock(&kheap_procs_lock);
	return found ? 0 : -ESRCH;
}
