// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kheap: human- and script-readable state of the heap.
 *
 * The format is an interface; change it only by appending.  It is:
 *
 *   kheap abi 1
 *   page_size:             4096
 *   regions:               <live regions>
 *   pages_in_use:          <pages held by live regions>
 *   peak_pages:            <high-water mark of pages_in_use>
 *   allocations:           <successful ALLOCs since load>
 *   frees:                 <regions freed since load, by FREE or close>
 *   failures:              <well-formed ALLOCs refused: limit, no memory>
 *   max_pages_per_region:  <limit>
 *   max_pages_per_process: <limit>
 *   max_pages_total:       <limit>
 *   processes:             <processes with /dev/kheap open>
 *   <empty line>
 *   pid      comm             regions      pages       peak   failures
 *   <one row per process with /dev/kheap open, in order of first open>
 *
 * The global block is "key:" then whitespace then a decimal number; a
 * parser should look keys up by name and ignore unknown ones.  Table rows
 * are whitespace separated; comm has every character that is not a
 * printable non-blank ASCII character replaced by '?' ("-" if empty), so a
 * row always has exactly six fields.  pid is as seen from the reader's pid
 * namespace; processes invisible there are not listed (but do count in the
 * global block, which is system wide).  No kernel addresses are printed.
 */
#include <linux/ctype.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "kheap.h"

struct kheap_procfs_count {
	unsigned long processes;
};

static void kheap_procfs_count(const struct kheap_proc *proc, void *arg)
{
	struct kheap_procfs_count *count = arg;

	count->processes++;
}

static void kheap_procfs_row(const struct kheap_proc *proc, void *arg)
{
	struct seq_file *m = arg;
	char comm[TASK_COMM_LEN];
	pid_t nr = pid_vnr(proc->pid);
	size_t i;

	if (!nr)
		return;

	strscpy(comm, proc->comm, sizeof(comm));
	for (i = 0; comm[i]; i++)
		if (!isgraph(comm[i]) || !isascii(comm[i]))
			comm[i] = '?';
	if (!comm[0])
		strscpy(comm, "-", sizeof(comm));

	seq_printf(m, "%-8d %-16s %10ld %10ld %10ld %10ld\n", nr, comm,
		   atomic_long_read(&proc->regions),
		   atomic_long_read(&proc->pages),
		   atomic_long_read(&proc->peak),
		   atomic_long_read(&proc->failures));
}

static void kheap_procfs_kv(struct seq_file *m, const char *key,
			    unsigned long val)
{
	seq_printf(m, "%-22s %lu\n", key, val);
}

static int kheap_procfs_show(struct seq_file *m, void *v)
{
	struct kheap_procfs_count count = { 0 };

	kheap_account_visit_procs(kheap_procfs_count, &count);

	seq_printf(m, "kheap abi %d\n", KHEAP_ABI_VERSION);
	kheap_procfs_kv(m, "page_size:", PAGE_SIZE);
	kheap_procfs_kv(m, "regions:", atomic_long_read(&kheap_stats.regions));
	kheap_procfs_kv(m, "pages_in_use:",
			atomic_long_read(&kheap_stats.pages));
	kheap_procfs_kv(m, "peak_pages:", atomic_long_read(&kheap_stats.peak));
	kheap_procfs_kv(m, "allocations:",
			atomic_long_read(&kheap_stats.allocations));
	kheap_procfs_kv(m, "frees:", atomic_long_read(&kheap_stats.frees));
	kheap_procfs_kv(m, "failures:",
			atomic_long_read(&kheap_stats.failures));
	kheap_procfs_kv(m, "max_pages_per_region:",
			kheap_max_pages_per_region());
	kheap_procfs_kv(m, "max_pages_per_process:",
			kheap_max_pages_per_process());
	kheap_procfs_kv(m, "max_pages_total:", kheap_max_pages_total());
	kheap_procfs_kv(m, "processes:", count.processes);

	seq_printf(m, "\n%-8s %-16s %10s %10s %10s %10s\n", "pid", "comm",
		   "regions", "pages", "peak", "failures");
	kheap_account_visit_procs(kheap_procfs_row, m);
	return 0;
}

/**
 * kheap_procfs_init() - create /proc/kheap
 *
 * Return: 0 or -ENOMEM.  Without CONFIG_PROC_FS there is no file and no
 * error.
 */
int kheap_procfs_init(void)
{
	if (!IS_ENABLED(CONFIG_PROC_FS))
		return 0;
	if (!proc_create_single("kheap", 0444, NULL, kheap_procfs_show))
		return -ENOMEM;
	return 0;
}

/**
 * kheap_procfs_exit() - remove /proc/kheap
 */
void kheap_procfs_exit(void)
{
	remove_proc_entry("kheap", NULL);
}
