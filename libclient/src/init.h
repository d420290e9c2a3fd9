/* SPDX-License-Identifier: MIT */
/*
 * init.h - starting the library: options, the backend, fork handlers.
 */
#ifndef KHEAP_INIT_H
#define KHEAP_INIT_H

/* Start the library from the environment if not started. 0 or -1. */
int kh_library_init(void);

#endif /* KHEAP_INIT_H */
