/* SPDX-License-Identifier: MIT */
/*
 * kheap_compat.h - the historic names of the original library:
 *	new(ptr, n, type)	allocate n objects of type into ptr
 *	alt(ptr, n, type)	resize ptr to n objects, keeping the data
 *	del(ptr)		free and clear ptr
 * They take over common words (new is a C++ keyword), so they live in a
 * header of their own: include it only where the old names are wanted.
 */
#ifndef KHEAP_COMPAT_H
#define KHEAP_COMPAT_H

#include "kheapclient.h"

#define new(ptr, n, type)	kheap_new(ptr, n, type)
#define alt(ptr, n, type)	kheap_alt(ptr, n, type)
#define del(ptr)		kheap_del(ptr)

#endif /* KHEAP_COMPAT_H */
