// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose only job is to WARN when loaded: the VM runner's own check
 * loads it to prove that a kernel warning in the guest fails the run.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init warn_on_load_init(void)
{
	WARN(1, "kheap runner self-check: deliberate warning\n");
	return 0;
}
module_init(warn_on_load_init);

static void __exit warn_on_load_exit(void)
{
}
module_exit(warn_on_load_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberate WARN for the kheap VM runner self-check");
