/* SPDX-License-Identifier: MIT */
/*
 * config.h - build-time knobs, debug asserts and small helpers shared by
 * every source file of libkheapclient.
 */
#ifndef KHEAP_CONFIG_H
#define KHEAP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/*
 * The page map covers 48-bit addresses and sizes are checked against 2^47:
 * both assume 64-bit pointers. 32-bit programs can use /dev/kheap itself.
 */
#if UINTPTR_MAX != UINT64_MAX
#error "libkheapclient needs a 64-bit target"
#endif

/* ---- visibility: only functions marked KH_API are exported -------------- */
#define KH_API __attribute__((visibility("default")))
/*
 * For the library's own globals: -fvisibility=hidden covers definitions
 * only, so an extern declaration without this is reached through the GOT
 * (one more load on every use in the fast paths of the shared library).
 */
#define KH_HIDDEN __attribute__((visibility("hidden")))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/* ---- debug level ---------------------------------------------------------
 * KHEAP_DEBUG=0: no internal asserts (release), 1: cheap invariants,
 * 2: expensive checks too (e.g. freed memory still zero on reuse).
 */
#ifndef KHEAP_DEBUG
#define KHEAP_DEBUG 1
#endif

void kh_assert_fail(const char *expr, const char *file, int line)
	__attribute__((noreturn, cold));

#define kh_assert_level(level, expr)					\
	do {								\
		if (KHEAP_DEBUG >= (level) && unlikely(!(expr)))	\
			kh_assert_fail(#expr, __FILE__, __LINE__);	\
	} while (0)
#define kh_assert(expr)		kh_assert_level(1, expr)
#define kh_assert_slow(expr)	kh_assert_level(2, expr)

/* ---- geometry ------------------------------------------------------------ */
/* Every allocation is aligned to alignof(max_align_t). */
#define KH_MIN_ALIGN	16u
/* Bytes of canary written right after the requested size. */
#define KH_CANARY_SIZE	8u

static inline size_t kh_align_up(size_t n, size_t align)
{
	return (n + align - 1) & ~(align - 1);
}

static inline unsigned kh_log2(size_t n)
{
	return 63u - (unsigned)__builtin_clzl(n);
}

#endif /* KHEAP_CONFIG_H */
