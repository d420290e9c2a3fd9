/* SPDX-License-Identifier: MIT */
/*
 * misuse.h - helpers for the one-misuse-per-program tests. Each program
 * first prints, on stdout, the exact line it expects on stderr, then
 * commits its misuse; test_misuse checks the line and that it died of
 * SIGABRT.
 */
#ifndef KHEAP_MISUSE_H
#define KHEAP_MISUSE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <kheapclient.h>

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

#endif /* KHEAP_MISUSE_H */
