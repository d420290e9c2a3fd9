// SPDX-License-Identifier: GPL-2.0
/*
 * kheap limits, as module parameters that root may change at run time
 * through /sys/module/kheap/parameters/.
 *
 * Why module parameters: the limits are policy of the machine, not of a
 * process, and must be settable both at load time (modprobe kheap
 * max_pages_total=...) and later without reloading a module that has live
 * regions.  Readers take a READ_ONCE() snapshot; a change affects only
 * allocations that start after it and never takes memory away from a
 * process that already holds it.
 *
 * max_pages_per_region must stay within 1..KHEAP_WINDOW_PAGES because
 * the handle encoding reserves that many pages of offset space per region
 * (see internal.h); the other two accept any unsigned long, 0 forbidding
 * allocation.  Only root can write them (sysfs mode 0644, and the netlink
 * admin command checks CAP_SYS_ADMIN before kheap_set_limits()).
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

static unsigned long max_pages_per_region = 65536;
static unsigned long max_pages_per_process = 262144;
static unsigned long max_pages_total = 1048576;

static int kheap_param_set_region(const char *val,
				  const struct kernel_param *kp)
{
	unsigned long v;
	int ret;

	ret = kstrtoul(val, 0, &v);
	if (ret)
		return ret;
	if (v < 1 || v > KHEAP_WINDOW_PAGES)
		return -EINVAL;
	WRITE_ONCE(*(unsigned long *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops kheap_param_region_ops = {
	.set = kheap_param_set_region,
	.get = param_get_ulong,
};

module_param_cb(max_pages_per_region, &kheap_param_region_ops,
		&max_pages_per_region, 0644);
MODULE_PARM_DESC(max_pages_per_region,
		 "Largest region one ALLOC may ask for, in pages (1..1048576, default 65536)");

module_param(max_pages_per_process, ulong, 0644);
MODULE_PARM_DESC(max_pages_per_process,
		 "Pages one process may hold at once (default 262144)");

module_param(max_pages_total, ulong, 0644);
MODULE_PARM_DESC(max_pages_total,
		 "Pages all processes together may hold at once (default 1048576)");

/**
 * kheap_max_pages_per_region() - current per-region limit
 *
 * Return: the largest number of pages one ALLOC may ask for.
 */
unsigned long kheap_max_pages_per_region(void)
{
	return READ_ONCE(max_pages_per_region);
}

/**
 * kheap_max_pages_per_process() - current per-process limit
 *
 * Return: the number of pages one process (address space) may hold at
 * once.
 */
unsigned long kheap_max_pages_per_process(void)
{
	return READ_ONCE(max_pages_per_process);
}

/**
 * kheap_max_pages_total() - current global limit
 *
 * Return: the number of pages all processes together may hold at once.
 */
unsigned long kheap_max_pages_total(void)
{
	return READ_ONCE(max_pages_total);
}

/**
 * kheap_set_limits() - set the per-process and total limits together
 * @per_process: new max_pages_per_process
 * @total: new max_pages_total
 *
 * The same rules as writing the module parameters (any value that fits an
 * unsigned long, 0 forbidding allocation), applied under the parameter
 * lock so that a concurrent sysfs write sees both or neither.  Like a
 * sysfs write it affects only allocations that start afterwards.  The
 * caller checks the privilege.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EINVAL if a value does not fit an unsigned long (then
 * nothing changes).
 */
int kheap_set_limits(u64 per_process, u64 total)
{
	if (per_process > ULONG_MAX || total > ULONG_MAX)
		return -EINVAL;
	kernel_param_lock(THIS_MODULE);
	WRITE_ONCE(max_pages_per_process, per_process);
	WRITE_ONCE(max_pages_total, total);
	kernel_param_unlock(THIS_MODULE);
	return 0;
}
