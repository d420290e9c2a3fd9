/* SPDX-License-Identifier: MIT */
/*
 * preload.c - libkheapmalloc.so: the C allocation functions on kheap, so
 * unmodified programs run on it with LD_PRELOAD=libkheapmalloc.so. The
 * backend is chosen by KHEAP_BACKEND as for any kheap program.
 *
 * Misuse reports work as in the library (one line, abort). glibc's
 * realloc(p, 0) frees and returns NULL; programs rely on that, so it is kept.
 *
 * C++'s operator new and delete, every form, are here too (under their
 * mangled names: this file is C), so that new[] released by delete, new by
 * delete[], and either by free() or realloc() are caught as mismatched
 * frees. A failing throwing new calls the program's new_handler and tries
 * again, as the standard asks; with none, it throws std::bad_alloc through
 * libstdc++'s own thrower (a C++ program has libstdc++ loaded), else says
 * so and aborts.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc.h"
#include "free.h"
#include "config.h"
#include "region.h"
#include "report.h"

KH_API void *malloc(size_t size)
{
	return kh_malloc(size);
}

KH_API void free(void *ptr)
{
	kh_free(ptr);
}

KH_API void *calloc(size_t count, size_t size)
{
	return kheap_calloc(count, size);
}

KH_API void *realloc(void *ptr, size_t size)
{
	if (ptr != NULL && size == 0) {
		kh_free(ptr);
		return NULL;
	}
	return kh_resize(ptr, size, 0);
}

KH_API void *reallocarray(void *ptr, size_t count, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(count, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(ptr, bytes);
}

KH_API int posix_memalign(void **out, size_t alignment, size_t size)
{
	void *ptr;

	if (alignment < sizeof(void *) || (alignment & (alignment - 1)))
		return EINVAL;
	ptr = kheap_aligned_alloc(alignment, size);
	if (ptr == NULL)
		return ENOMEM;
	*out = ptr;
	return 0;
}

KH_API void *aligned_alloc(size_t alignment, size_t size)
{
	return kheap_aligned_alloc(alignment, size);
}

KH_API void *memalign(size_t alignment, size_t size)
{
	/* glibc rounds an alignment that is not a power of two up to one. */
	if (alignment & (alignment - 1)) {
		if (alignment > SIZE_MAX / 2) {
			errno = EINVAL;
			return NULL;
		}
		alignment = (size_t)2 << kh_log2(alignment);
	}
	return kheap_aligned_alloc(alignment ? alignment : 1, size);
}

static size_t page_size(void)
{
	return kh_page_size ? kh_page_size : (size_t)sysconf(_SC_PAGESIZE);
}

KH_API void *valloc(size_t size)
{
	return kheap_aligned_alloc(page_size(), size);
}

KH_API void *pvalloc(size_t size)
{
	size_t page = page_size();

	if (size > SIZE_MAX - page) {
		errno = ENOMEM;
		return NULL;
	}
	return kheap_aligned_alloc(page, kh_align_up(size, page));
}

KH_API size_t malloc_usable_size(void *ptr)
{
	return kheap_usable_size(ptr);
}

/* ---- C++ operator new and delete ------------------------------------------ */

typedef void (*kh_new_handler)(void);

/* libstdc++'s, when the program has it: std::get_new_handler() and
 * std::__throw_bad_alloc(). */
extern kh_new_handler _ZSt15get_new_handlerv(void) __attribute__((weak));
extern void _ZSt17__throw_bad_allocv(void) __attribute__((weak, noreturn));

static void *cxx_new(size_t size, size_t alignment, bool array, bool nothrow)
{
	for (;;) {
		void *ptr = kheap_cxx_new(size, alignment, array);
		kh_new_handler handler;

		if (likely(ptr != NULL))
			return ptr;
		handler = _ZSt15get_new_handlerv ? _ZSt15get_new_handlerv() : NULL;
		if (handler) {
			handler();
			continue;
		}
		if (nothrow)
			return NULL;
		if (_ZSt17__throw_bad_allocv)
			_ZSt17__throw_bad_allocv();
		kh_print("kheap: operator new: no memory for %zu bytes and no "
			 "std::bad_alloc to throw", size);
		abort();
	}
}

/*
 * One line per form: Itanium C++ ABI names, m = size_t, St11align_val_t =
 * std::align_val_t, RKSt9nothrow_t = const std::nothrow_t &. The sized
 * deletes do not check the size: the metadata knows it.
 */
#define UNUSED __attribute__((unused))
#define CXX_NEW(name, alignment, array, nothrow, ...)			\
	KH_API void *name(size_t size, ##__VA_ARGS__)			\
	{								\
		return cxx_new(size, alignment, array, nothrow);	\
	}
#define CXX_DELETE(name, array, ...)					\
	KH_API void name(void *ptr, ##__VA_ARGS__)			\
	{								\
		kheap_cxx_delete(ptr, array);				\
	}

CXX_NEW(_Znwm, KH_MIN_ALIGN, false, false)
CXX_NEW(_Znam, KH_MIN_ALIGN, true, false)
CXX_NEW(_ZnwmRKSt9nothrow_t, KH_MIN_ALIGN, false, true, UNUSED const void *tag)
CXX_NEW(_ZnamRKSt9nothrow_t, KH_MIN_ALIGN, true, true, UNUSED const void *tag)
CXX_NEW(_ZnwmSt11align_val_t, al, false, false, size_t al)
CXX_NEW(_ZnamSt11align_val_t, al, true, false, size_t al)
CXX_NEW(_ZnwmSt11align_val_tRKSt9nothrow_t, al, false, true, size_t al,
	UNUSED const void *tag)
CXX_NEW(_ZnamSt11align_val_tRKSt9nothrow_t, al, true, true, size_t al,
	UNUSED const void *tag)

CXX_DELETE(_ZdlPv, false)
CXX_DELETE(_ZdaPv, true)
CXX_DELETE(_ZdlPvm, false, UNUSED size_t size)
CXX_DELETE(_ZdaPvm, true, UNUSED size_t size)
CXX_DELETE(_ZdlPvRKSt9nothrow_t, false, UNUSED const void *tag)
CXX_DELETE(_ZdaPvRKSt9nothrow_t, true, UNUSED const void *tag)
CXX_DELETE(_ZdlPvSt11align_val_t, false, UNUSED size_t al)
CXX_DELETE(_ZdaPvSt11align_val_t, true, UNUSED size_t al)
CXX_DELETE(_ZdlPvmSt11align_val_t, false, UNUSED size_t size, UNUSED size_t al)
CXX_DELETE(_ZdaPvmSt11align_val_t, true, UNUSED size_t size, UNUSED size_t al)
CXX_DELETE(_ZdlPvSt11align_val_tRKSt9nothrow_t, false, UNUSED size_t al,
	   UNUSED const void *tag)
CXX_DELETE(_ZdaPvSt11align_val_tRKSt9nothrow_t, true, UNUSED size_t al,
	   UNUSED const void *tag)
