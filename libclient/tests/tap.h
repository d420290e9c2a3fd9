/* SPDX-License-Identifier: MIT */
/*
 * tap.h - a minimal TAP 13 producer for the library's test programs.
 *
 *	TEST(name) { ... CHECK(cond); ... }	define a test case
 *	int main(void) { return tap_run(); }	run them all in order
 * A failed CHECK prints a diagnostic and fails the case; SKIP(reason)
 * ends it as skipped. The exit status is 1 when any case failed.
 */
#ifndef KHEAP_TAP_H
#define KHEAP_TAP_H

#include <stdio.h>
#include <stdlib.h>

struct tap_case {
	const char *name;
	void (*run)(void);
};

#define TAP_MAX_CASES 128

static struct tap_case tap_cases[TAP_MAX_CASES];
static int tap_case_count;
static int tap_failed;		/* current case */
static const char *tap_skip;	/* current case */

#define TEST(fn)							\
	static void fn(void);						\
	__attribute__((constructor)) static void tap_register_##fn(void) \
	{								\
		tap_cases[tap_case_count++] = (struct tap_case){ #fn, fn }; \
	}								\
	static void fn(void)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: check failed: %s\n", __FILE__,	\
			       __LINE__, #cond);			\
			tap_failed = 1;					\
			return;						\
		}							\
	} while (0)

#define SKIP(reason)							\
	do {								\
		tap_skip = (reason);					\
		return;							\
	} while (0)

static inline int tap_run(void)
{
	int failures = 0;

	printf("TAP version 13\n1..%d\n", tap_case_count);
	fflush(stdout);
	for (int i = 0; i < tap_case_count; i++) {
		tap_failed = 0;
		tap_skip = NULL;
		tap_cases[i].run();
		if (tap_skip)
			printf("ok %d - %s # SKIP %s\n", i + 1,
			       tap_cases[i].name, tap_skip);
		else
			printf("%sok %d - %s\n", tap_failed ? "not " : "",
			       i + 1, tap_cases[i].name);
		fflush(stdout);
		failures += tap_failed;
	}
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}

#ifdef KHEAPCLIENT_H
#include <errno.h>
#include <string.h>

/* Start kheap with misuse reported to @hook (calls then return an error
 * instead of aborting), and run the tests. */
static inline int tap_run_reporting_to(kheap_error_hook *hook)
{
	struct kheap_options options = {
		.on_error = KHEAP_ON_ERROR_RETURN,
		.hook = hook,
	};

	if (kheap_init(&options) < 0) {
		printf("Bail out! kheap_init: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	return tap_run();
}
#endif

#endif /* KHEAP_TAP_H */
