/* SPDX-License-Identifier: MIT */
/*
 * kheapclient.h - libkheapclient: a checked allocator on regions from
 * /dev/kheap. (<kheap.h> includes this header under its old name.)
 *
 * Memory comes in regions (runs of whole pages) from a backend: the kheap
 * kernel module (/dev/kheap) or anonymous mmap. The library carves regions
 * into allocations: small sizes in slabs by size class, medium sizes from a
 * segregated-fit (TLSF-like) heap that splits and coalesces, large sizes as
 * whole regions. Every allocation has out-of-line metadata, a generation and
 * a canary right after its last byte, so misuse is detected, not survived.
 *
 * Choosing the backend: kheap_init() with .backend, or the environment
 * variable KHEAP_BACKEND=device|anon read at the first allocation. The
 * default is the device.
 *
 * Error reports. By default a detected misuse writes exactly one line to
 * stderr and calls abort(). The line is
 *
 *	kheap: <kind> of 0x<address in hex> (<details>)
 *
 * where <kind> is one of the strings of kheap_error_name() and <details> is
 *	not allocated by kheap			pointer unknown to the library
 *	no longer allocated			reference whose memory went back
 *	inside 0x<base>, size <n>		interior pointer of an allocation
 *	size <n>				any other error
 *	offset <o>, length <l>, size <n>	out of bounds access
 * then, for a mismatched free, ", allocated by <malloc|new|new[]>, released
 * by <free|realloc|delete|delete[]>", and, when the allocation was made by a macro of a program built with
 * -DKHEAP_INSTRUMENT, ", allocated at <file>:<line> in <function>()".
 * Examples:
 *	kheap: double free of 0x7f3a5c000010 (size 24)
 *	kheap: heap overflow of 0x7f3a5c000010 (size 24, allocated at a.c:9 in main())
 *	kheap: mismatched free of 0x7f3a5c000010 (size 40, allocated by new[], released by delete)
 *	kheap: out of bounds access of 0x7f3a5c000010 (offset 20, length 8, size 24)
 * With .on_error = KHEAP_ON_ERROR_RETURN nothing is printed: the call fails
 * (NULL or -1, errno EINVAL) and the registered hook, if any, is called.
 */
#ifndef KHEAPCLIENT_H
#define KHEAPCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- initialisation ------------------------------------------------------ */

enum kheap_backend {
	KHEAP_BACKEND_DEFAULT = 0,	/* KHEAP_BACKEND, else the device */
	KHEAP_BACKEND_DEVICE,		/* /dev/kheap */
	KHEAP_BACKEND_ANON,		/* anonymous mmap */
};

enum kheap_error {
	KHEAP_ERR_DOUBLE_FREE = 1,	/* "double free" */
	KHEAP_ERR_INVALID_FREE,		/* "invalid free" */
	KHEAP_ERR_INVALID_RESIZE,	/* "invalid resize" */
	KHEAP_ERR_RESIZE_AFTER_FREE,	/* "resize after free" */
	KHEAP_ERR_HEAP_OVERFLOW,	/* "heap overflow": canary overwritten */
	KHEAP_ERR_USE_AFTER_FREE,	/* "use after free": through a reference */
	KHEAP_ERR_STALE_REFERENCE,	/* "stale reference": resized since */
	KHEAP_ERR_OUT_OF_BOUNDS,	/* "out of bounds access" */
	KHEAP_ERR_INVALID_REFERENCE,	/* "invalid reference": not an allocation */
	KHEAP_ERR_WRITE_AFTER_FREE,	/* "write after free": found at reuse */
	KHEAP_ERR_MISMATCHED_FREE,	/* "mismatched free": e.g. new[] + delete */
	KHEAP_ERR_HEAP_UNDERFLOW,	/* "heap underflow": bytes before written */
	KHEAP_ERR_GUARD_OVERFLOW,	/* "overflow into guard page": a fault */
	KHEAP_ERR_GUARD_UNDERFLOW,	/* "underflow into guard page": a fault */
};

enum kheap_on_error {
	KHEAP_ON_ERROR_ABORT = 0,	/* print one line, abort() */
	KHEAP_ON_ERROR_RETURN,		/* call the hook, fail the call */
};

/* Where an instrumented macro call allocated (see KHEAP_INSTRUMENT). */
struct kheap_site {
	const char *file;
	int line;
	const char *func;
	unsigned id;			/* filled in by the library */
};

struct kheap_error_report {
	enum kheap_error kind;
	const void *address;		/* the pointer the call was given */
	const void *allocation;		/* start of the allocation, or NULL */
	size_t size;			/* its requested size, if allocation */
	size_t offset, length;		/* the access, for out of bounds */
	const struct kheap_site *site;	/* allocation site, or NULL */
	const char *message;		/* the line, without newline */
	/* mismatched free: "malloc", "new" or "new[]", and the call that
	 * released it ("free", "realloc", "delete", "delete[]"); else NULL */
	const char *allocated_by, *released_by;
};

typedef void kheap_error_hook(const struct kheap_error_report *report,
			      void *arg);

struct kheap_options {
	enum kheap_backend backend;
	/* Most bytes of regions held at once; 0: no limit but the backend's. */
	size_t limit_bytes;
	enum kheap_on_error on_error;
	kheap_error_hook *hook;
	void *hook_arg;
};

/*
 * Configure the library. Must come before the first allocation (else -1,
 * errno EBUSY); without it the first allocation initialises from the
 * environment. Returns 0, or -1 with errno when the backend cannot be opened.
 */
int kheap_init(const struct kheap_options *options);

/* ---- allocation ----------------------------------------------------------
 * All return memory aligned to alignof(max_align_t), or NULL with errno
 * ENOMEM. Memory from kheap_malloc is zeroed too (freed memory is cleared),
 * but only kheap_calloc promises it.
 */
void *kheap_malloc(size_t size);
void *kheap_calloc(size_t count, size_t size);
/* Keeps the first min(old, new) bytes; in place when it can. */
void *kheap_realloc(void *ptr, size_t size);
/* @alignment: a power of two. */
void *kheap_aligned_alloc(size_t alignment, size_t size);
/* Frees and clears. 0, or -1 (errno EINVAL) after a reported misuse. */
int kheap_free(void *ptr);
/* The size asked for: writing past it is a heap overflow. */
size_t kheap_usable_size(const void *ptr);
/* Check the canary of a live allocation now. 0 or -1 after a report. */
int kheap_check(const void *ptr);
/*
 * For C++'s operator new and delete (kheapclient_new.hpp, and the preload
 * library's own): memory of new (@array false) or new[] (@array true),
 * aligned to at least @alignment (a power of two); NULL with errno ENOMEM,
 * for the caller's new_handler or std::bad_alloc. kheap_cxx_delete must get
 * the same @array: delete of new[] memory, delete[] of new memory and
 * free() or realloc() of either are reported as a mismatched free, as is
 * delete of malloc's memory.
 */
void *kheap_cxx_new(size_t size, size_t alignment, bool array);
int kheap_cxx_delete(void *ptr, bool array);
/*
 * Take back now the blocks other threads freed into this thread's slabs
 * (otherwise done when a size class runs out), giving back slabs left
 * empty. A double free racing this thread's own free of the same block is
 * reported here at the latest.
 */
void kheap_collect(void);

/* The same with an allocation site and element counts (used by macros). */
void *kheap_new_at(size_t count, size_t elem_size, const struct kheap_site *site);
void *kheap_alt_at(void *ptr, size_t count, size_t elem_size,
		   const struct kheap_site *site);
int kheap_del_at(void *ptr, const struct kheap_site *site);

#ifdef KHEAP_INSTRUMENT
#define KHEAP_SITE ({ static struct kheap_site kheap_site_ =		\
		{ __FILE__, __LINE__, __func__, 0 }; &kheap_site_; })
#else
#define KHEAP_SITE ((const struct kheap_site *)0)
#endif

/*
 * kheap_new(ptr, n, type): ptr = room for n objects of type; evaluates to
 * it (NULL and errno ENOMEM on failure or when n * sizeof(type) overflows).
 * kheap_alt(ptr, n, type): resize to n objects; on failure NULL and ptr is
 * left as it was. kheap_del(ptr): free, clear, and set ptr to NULL.
 * Each argument is evaluated once. kheap_alt and kheap_del are GNU C
 * statement expressions (gcc, clang); the functions below them are plain C.
 */
#define kheap_new(ptr, n, type)						\
	((ptr) = (type *)kheap_new_at((n), sizeof(type), KHEAP_SITE))

#define kheap_alt(ptr, n, type) ({					\
	__typeof__(ptr) *kheap_pp_ = &(ptr);				\
	type *kheap_q_ = (type *)kheap_alt_at(*kheap_pp_, (n),		\
					      sizeof(type), KHEAP_SITE);\
	if (kheap_q_)							\
		*kheap_pp_ = kheap_q_;					\
	kheap_q_; })

#define kheap_del(ptr) ({						\
	__typeof__(ptr) *kheap_pp_ = &(ptr);				\
	int kheap_rc_ = kheap_del_at(*kheap_pp_, KHEAP_SITE);		\
	*kheap_pp_ = NULL;						\
	kheap_rc_; })

/*
 * In a program built with -DKHEAP_INSTRUMENT the allocation functions are
 * macros too, so every call has its site (KHEAP_NO_SITE_MACROS keeps them
 * plain functions). &kheap_malloc still names the function.
 */
#if defined(KHEAP_INSTRUMENT) && !defined(KHEAP_NO_SITE_MACROS)
#define kheap_malloc(size)		kheap_new_at(1, (size), KHEAP_SITE)
#define kheap_calloc(count, size)	kheap_new_at((count), (size), KHEAP_SITE)
#define kheap_realloc(ptr, size)	kheap_alt_at((ptr), 1, (size), KHEAP_SITE)
#endif

/* ---- checked references (smart pointers) ---------------------------------
 * A reference names one allocation at one generation. Freeing or resizing
 * the allocation makes every earlier reference stale; the accessors detect
 * that and any access outside the allocation.
 */
typedef struct kheap_ref {
	void *ptr;
	uint32_t gen;
} kheap_ref;

/* Reference to a live allocation (its original pointer); {NULL, 0} for NULL. */
kheap_ref kheap_ref_of(const void *ptr);
/* true when the reference's allocation is still live at its generation. */
bool kheap_ref_live(kheap_ref ref);
/* Pointer to bytes [offset, offset + length) after checking them. */
void *kheap_ref_at(kheap_ref ref, size_t offset, size_t length);
/* Pointer to element @index of @elem_size bytes after checking it. */
void *kheap_ref_elem(kheap_ref ref, size_t index, size_t elem_size);
#define KHEAP_REF_ELEM(ref, index, type)				\
	((type *)kheap_ref_elem((ref), (index), sizeof(type)))

/* ---- containers ----------------------------------------------------------
 * kheap_vec: growable array of elem_size-byte elements. kheap_buf: growable
 * byte string, always NUL-terminated. Both check every index; element
 * references (kheap_vec_ref) detect use after the storage moved or shrank.
 */
struct kheap_vec {
	kheap_ref items;
	size_t elem_size;
	size_t length;
	size_t capacity;
};

struct kheap_vec_ref {
	kheap_ref items;		/* the storage when the ref was taken */
	size_t offset;
	size_t elem_size;
};

void kheap_vec_init(struct kheap_vec *vec, size_t elem_size);
void kheap_vec_destroy(struct kheap_vec *vec);
/* Append a copy of *elem; 0, or -1 with errno ENOMEM. */
int kheap_vec_push(struct kheap_vec *vec, const void *elem);
/* Copy the last element out and drop it; -1 (errno ERANGE) when empty. */
int kheap_vec_pop(struct kheap_vec *vec, void *elem);
int kheap_vec_reserve(struct kheap_vec *vec, size_t capacity);
int kheap_vec_resize(struct kheap_vec *vec, size_t length);
/* Checked pointer to element @index (< length), valid until the next
 * reallocation. */
void *kheap_vec_at(const struct kheap_vec *vec, size_t index);
struct kheap_vec_ref kheap_vec_ref(const struct kheap_vec *vec, size_t index);
void *kheap_vec_deref(struct kheap_vec_ref ref);

#define KHEAP_VEC_AT(vec, index, type)					\
	((type *)kheap_vec_at((vec), (index)))

struct kheap_buf {
	kheap_ref bytes;
	size_t length;			/* without the terminating NUL */
	size_t capacity;
};

void kheap_buf_init(struct kheap_buf *buf);
void kheap_buf_destroy(struct kheap_buf *buf);
int kheap_buf_append(struct kheap_buf *buf, const void *data, size_t length);
int kheap_buf_append_str(struct kheap_buf *buf, const char *str);
int kheap_buf_printf(struct kheap_buf *buf, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
/* The NUL-terminated contents ("" when empty). */
const char *kheap_buf_str(const struct kheap_buf *buf);
/* Checked byte access; index < length. */
char *kheap_buf_at(const struct kheap_buf *buf, size_t index);
void kheap_buf_clear(struct kheap_buf *buf);

/* ---- regions and backend ---------------------------------------------------
 * Direct access to what the allocator is built on.
 */
struct kheap_backend_info {
	const char *name;		/* "device" or "anon" */
	unsigned abi_version;		/* device ABI, 0 for anon */
	size_t page_size;
	uint64_t max_pages_per_process;	/* 0: no limit known */
	uint64_t max_pages_total;
	uint64_t max_pages_per_region;
};

struct kheap_region {
	void *base;
	size_t size;
	uint64_t handle;		/* the device's name for it, its mmap
					 * offset; anon: 0 */
};

int kheap_backend_info(struct kheap_backend_info *info);
/*
 * A fresh zeroed region of @pages pages straight from the backend, for
 * carving by the caller; 0, or -1 with errno (EINVAL for 0 pages, ENOMEM).
 * It counts against the limit like the allocator's regions.
 */
int kheap_region_acquire(size_t pages, struct kheap_region *region);
/* Give a region of kheap_region_acquire back; its mapping goes away. */
void kheap_region_release(const struct kheap_region *region);

/* ---- profiling ---------------------------------------------------------------
 * A profiler is a set of callbacks the library calls as things happen:
 * allocation, free, resize, and a region taken from or given back to the
 * backend (/dev/kheap or anonymous memory, below the library's cache), plus
 * one call at exit. Any callback may be NULL. A profiler without @resized
 * sees a resize as @freed of the old block then @allocated of the new one.
 * @site is where an instrumented program allocated (see KHEAP_INSTRUMENT),
 * else NULL; @freed gets the site the block was allocated at.
 *
 * Callbacks run inside the allocator, in the calling thread, concurrently
 * from many threads: they must be thread safe, must not allocate from kheap
 * (nor call malloc in a program using libkheapmalloc.so) and should be quick.
 * Region callbacks run with the library's region lock held.
 *
 * Built-in profilers, chosen at run time with no rebuild:
 *	KHEAP_PROFILE=name[,name...]	any of summary, stats, histogram,
 *					sites, leaks, trace
 *	KHEAP_LOG=path			where reports and the trace go
 *					(created, truncated); default stderr
 *	KHEAP_HISTOGRAM=path		the histogram's CSV file; default
 *					KHEAP_LOG with ".histogram.csv" added
 * An unknown name costs one line on stderr,
 *	kheap: KHEAP_PROFILE: unknown profiler 'NAME' (valid: summary, stats, histogram, sites, leaks, trace)
 * and the program goes on with the others. The reports, written at exit
 * in the order the names were given (<n> is a decimal number):
 *
 * summary	kheap: profile: <n> allocations, <n> frees, <n> bytes allocated, peak <n> bytes live, <n> bytes live at exit
 *		(a resize counts as a free and an allocation)
 * stats	kheap: stats: <n> allocations, <n> frees, <n> resizes, <n> regions acquired, <n> regions released
 *		kheap: stats: class <c>: <n> allocations, <n> frees, <n> live
 *		one line per size class used, smallest first: <c> is the slot
 *		size of a small class (16 ... 8192; the class of size + 8
 *		canary bytes), then "medium" and "large". A resize counts as
 *		a free in the old size's class and an allocation in the new one.
 * histogram	CSV for tools/kheap-plot --histogram: the header line
 *		"size_bucket,count", then "<bucket>,<n>": allocations (and
 *		resizes, by new size) per power-of-two bucket of the requested
 *		size: "0", "1", "2", "3-4", "5-8", ..., "<2^k+1>-<2^(k+1)>",
 *		from the smallest bucket used to the largest, empty ones
 *		between included. It goes to KHEAP_HISTOGRAM (or the default
 *		above), and the log gets
 *		kheap: histogram: <n> allocations in <n> buckets written to <path>
 *		With no file to write (neither variable set) each CSV line goes
 *		to the log after "kheap: histogram: ".
 * sites	kheap: sites: <file>:<line> in <func>(): <n> allocations, <n> bytes, <n> frees, <n> live
 *		one line per allocation site, most bytes first (ties: first
 *		used first); calls without a site are one line with
 *		"(no site)" in place of "<file>:<line> in <func>()".
 * leaks	kheap: leaks: <n> blocks, <n> bytes live at exit
 *		kheap: leaks: <n> blocks, <n> bytes allocated at <file>:<line> in <func>()
 *		one line per site with live blocks, most bytes first;
 *		"allocated at (no site)" for blocks without a site.
 * trace	one line per event as it happens:
 *		<seconds>.<nanoseconds, 9 digits> <thread id> <event> 0x<address> <size>[ from 0x<old address> <old size>][ at <file>:<line>]
 *		<event>: alloc, free, resize (with "from"), region_acquire,
 *		region_release; "at" on alloc and resize with a site; time
 *		since the library was loaded (CLOCK_MONOTONIC).
 *
 * Blocks allocated while a profiler was not installed are not known to it.
 * With no profiler installed, each allocation call pays one predictable
 * branch on one global pointer.
 */
struct kheap_profiler {
	void (*allocated)(void *arg, const void *ptr, size_t size,
			  const struct kheap_site *site);
	void (*freed)(void *arg, const void *ptr, size_t size,
		      const struct kheap_site *site);
	void (*resized)(void *arg, const void *old_ptr, size_t old_size,
			const struct kheap_site *old_site, const void *ptr,
			size_t size, const struct kheap_site *site);
	void (*region_acquired)(void *arg, const void *base, size_t size);
	void (*region_released)(void *arg, const void *base, size_t size);
	/* At exit (the library's atexit handler), in installation order. */
	void (*report)(void *arg);
	void *arg;
};

/* Profilers installed at once, built-in ones included. */
#define KHEAP_MAX_PROFILERS 8

/*
 * Install @profiler (copied) next to those installed already; @profiler's
 * address names it for kheap_profiler_remove. 0, or -1 with errno EINVAL
 * (NULL), EEXIST (already installed) or ENOSPC (KHEAP_MAX_PROFILERS).
 */
int kheap_profiler_add(const struct kheap_profiler *profiler);
/* 0, or -1 with errno ENOENT. */
int kheap_profiler_remove(const struct kheap_profiler *profiler);
/*
 * The program's one profiler: replaces the one installed by the previous
 * call (NULL only removes it), leaving the others. 0, or -1 (ENOSPC).
 */
int kheap_set_profiler(const struct kheap_profiler *profiler);
/*
 * Install built-in profilers by name, as KHEAP_PROFILE does ("stats,leaks";
 * names already installed are skipped). 0, or -1 with errno EINVAL when a
 * name is unknown (the others are installed) or ENOSPC.
 */
int kheap_profile_enable(const char *names);

/* ---- statistics ------------------------------------------------------------ */
struct kheap_client_stats {
	size_t regions;			/* regions held from the backend */
	size_t region_bytes;
	size_t cached_regions;		/* of which idle in the cache */
	size_t backend_maps;		/* regions ever asked for */
	size_t backend_unmaps;		/* regions ever given back */
	size_t medium_regions;		/* regions of the medium heap */
	size_t medium_free_blocks;	/* free blocks in them, coalesced */
	size_t medium_free_bytes;
};

void kheap_client_stats(struct kheap_client_stats *stats);

const char *kheap_error_name(enum kheap_error kind);

#ifdef __cplusplus
}
#endif

#endif /* KHEAPCLIENT_H */
