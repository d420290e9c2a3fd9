// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kheap: human- and script-readable state of the heap.
 *
 * The format is an interface; change it only by appending.  It is:
 *
 *   kheap abi 2
 *   page_size:             4096
 *   regions:               <live regions>
 *   pages_in_use:          <pages held by live regions>
 *   peak_pages:            <high-water mark of pages_in_use>
 *   allocations:           <regions created since load: ALLOC, batch
 *                           entries, fork copies>
 *   frees:                 <regions gone since load: FREE, close, unmap
 *                           of a fork copy>
 *   failures:              <well-formed requests refused: no memory>
 *   max_pages_per_region:  <limit>
 *   max_pages_per_process: <limit>
 *   max_pages_total:       <limit>
 *   processes:             <processes known to kheap>
 *   limit_hits:            <well-formed requests refused by a limit>
 *   <empty line>
 *   pid      comm             regions      pages       peak   failures limit_hits
 *   <one row per process, in order of first appearance>
 *
 * The global block is "key:" then whitespace then a decimal number; a
 * parser should look keys up by name and ignore unknown ones.  Table rows
 * are whitespace separated; comm has every character that is not a
 * printable non-blank ASCII character replaced by '?' ("-" if empty), so a
 * row always has exactly seven fields (v1 had six: limit_hits was
 * appended).  pid is as seen from the reader's pid namespace; processes
 * invisible there are not listed (but do count in the global block, which
 * is system wide), nor is a forked child that holds copies of its parent's
 * mappings but has not touched kheap yet (its pid is not known).  No
 * kernel addresses are printed.
 *
 * Cost: the global block reads atomics; the table walks the process list
 * under kheap_procs_lock, which the allocation path never takes (only
 * open, last close and fork do), so reading never stalls allocations.
 */
#include <linux/ctype.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "internal.h"

static void kheap_procfs_row(const struct kheap_proc *proc, void *arg)
{
	struct seq_file *m = arg;
	struct kheap_proc_stats st;
	size_t i;

	kheap_stats_proc(proc, &st);
	if (!st.pid)
		return;

	for (i = 0; st.comm[i]; i++)
		if (!isgraph(st.comm[i]) || !isascii(st.comm[i]))
			st.comm[i] = '?';
	if (!st.comm[0])
		strscpy(st.comm, "-", sizeof(st.comm));

	seq_printf(m, "%-8d %-16s %10llu %10llu %10llu %10llu %10llu\n",
		   st.pid, st.comm, st.regions, st.pages, st.peak,
		   st.failures, st.limit_hits);
}

static void kheap_procfs_kv(struct seq_file *m, const char *key, u64 val)
{
	seq_printf(m, "%-22s %llu\n", key, val);
}

static int kheap_procfs_show(struct seq_file *m, void *v)
{
	struct kheap_global_stats g;

	kheap_stats_global(&g);

	seq_printf(m, "kheap abi %d\n", KHEAP_ABI_VERSION);
	kheap_procfs_kv(m, "page_size:", PAGE_SIZE);
	kheap_procfs_kv(m, "regions:", g.regions);
	kheap_procfs_kv(m, "pages_in_use:", g.pages);
	kheap_procfs_kv(m, "peak_pages:", g.peak);
	kheap_procfs_kv(m, "allocations:", g.allocations);
	kheap_procfs_kv(m, "frees:", g.frees);
	kheap_procfs_kv(m, "failures:", g.failures);
	kheap_procfs_kv(m, "max_pages_per_region:", g.max_pages_per_region);
	kheap_procfs_kv(m, "max_pages_per_process:", g.max_pages_per_process);
	kheap_procfs_kv(m, "max_pages_total:", g.max_pages_total);
	kheap_procfs_kv(m, "processes:", g.processes);
	kheap_procfs_kv(m, "limit_hits:", g.limit_hits);

	seq_printf(m, "\n%-8s %-16s %10s %10s %10s %10s %10s\n", "pid", "comm",
		   "regions", "pages", "peak", "failures", "limit_hits");
	kheap_account_visit_procs(kheap_procfs_row, m, NULL);
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
