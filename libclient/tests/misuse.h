/* SPDX-License-Identifier: MIT */
/*
 * misuse.h - helpers for the one-misuse-per-program tests. Each program
 * first prints, on stdout, the exact line it expects on stderr, then
 * commits its misuse; test_misuse checks the line and that it died of
 * SIGABRT (or of SIGSEGV, after expect_fault()).
 *
 * The programs of misuse/plain/ are built with -DMISUSE_PLAIN: plain C
 * (malloc and free, no kheap header), run under LD_PRELOAD as any
 * unmodified program would be, and under other allocators by
 * bench/misuse-report.sh.
 */
#ifndef KHEAP_MISUSE_H
#define KHEAP_MISUSE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef MISUSE_PLAIN
#include <kheapclient.h>
#endif

/*
 * Lines before the expected one, which test_misuse reads as such:
 * "fault: SIGSEGV", the misuse is found by a fault (a guard page), and
 * "todo: <why>", kheap does not catch it yet (the result is a TAP TODO,
 * which passes either way).
 */
static inline void expect_fault(void)
{
	puts("fault: SIGSEGV");
}

static inline void expect_todo(const char *why)
{
	printf("todo: %s\n", why);
}

__attribute__((format(printf, 1, 2)))
static inline void expect(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vprintf(format, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Reached only when the library failed to stop the program. */
static inline int not_detected(void)
{
	fprintf(stderr, "misuse not detected\n");
	return 3;
}

/* Keep the compiler from reasoning about (and warning on) deliberate UB. */
static inline void *opaque(void *ptr)
{
	__asm__ volatile("" : "+r"(ptr));
	return ptr;
}

static inline size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Where a large block's trailing guard starts, from the block: it ends
 * on its region's last page (src/large.c), its canary included. */
static inline size_t guard_offset(size_t size)
{
	return (size + 8 + page_size() - 1) & ~(page_size() - 1);
}

#endif /* KHEAP_MISUSE_H */
