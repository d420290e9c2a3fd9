/* SPDX-License-Identifier: MIT */
/*
 * fault.h - the SIGSEGV handler that names a fault in a large block's
 * guard page with kheap's line before the process dies of it.
 */
#ifndef KHEAP_FAULT_H
#define KHEAP_FAULT_H

/* At start-up, once: install the handler, chaining to the program's. */
void kh_fault_init(void);

#endif /* KHEAP_FAULT_H */
