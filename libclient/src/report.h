/* SPDX-License-Identifier: MIT */
/*
 * report.h - diagnostics: the one-line misuse reports, allocation sites and
 * plain messages. Nothing here allocates, so it is safe inside malloc.
 */
#ifndef KHEAP_REPORT_H
#define KHEAP_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "kheapclient.h"

/* Write one line (newline added) to stderr. */
void kh_print(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Set by kheap_init: what a detected misuse does. */
void kh_report_configure(enum kheap_on_error on_error, kheap_error_hook *hook,
			 void *hook_arg);

/*
 * Report a misuse. @allocation is NULL when the address is not inside any
 * allocation. Aborts in the default mode; otherwise calls the hook and
 * returns -1 with errno EINVAL.
 */
int kh_report(enum kheap_error kind, const void *address,
	      const void *allocation, size_t size, uint32_t site_id,
	      size_t offset, size_t length) __attribute__((cold));

/* Small number naming a site (0 for none, or when KH_MAX_SITES are
 * known already), and back. */
#define KH_MAX_SITES 16384

uint32_t kh_site_id(const struct kheap_site *site);
/* The site of an id, or of a site word (below); NULL for none. */
const struct kheap_site *kh_site(uint32_t id);

/*
 * An allocation's site word (kh_meta.site) holds its site id in the low
 * KH_SITE_ID_BITS and, above them, the family of calls that made it, which
 * must also be the one that releases it.
 */
#define KH_SITE_ID_BITS	24

enum kh_family {
	KH_FAMILY_MALLOC,	/* malloc, calloc, realloc, kheap_new...: free */
	KH_FAMILY_NEW,		/* C++ new: delete */
	KH_FAMILY_NEW_ARRAY,	/* C++ new[]: delete[] */
};

static inline uint32_t kh_site_word(uint32_t site_id, enum kh_family family)
{
	return site_id | (uint32_t)family << KH_SITE_ID_BITS;
}

static inline enum kh_family kh_site_family(uint32_t site_word)
{
	return (enum kh_family)(site_word >> KH_SITE_ID_BITS);
}

/*
 * Report @ptr, the start of a live allocation of @size bytes made by
 * @site_word's family, released by the wrong call: @released_by ("free",
 * "realloc", "delete", "delete[]"). As kh_report.
 */
int kh_report_mismatch(const void *ptr, size_t size, uint32_t site_word,
		       const char *released_by) __attribute__((cold));

/*
 * The line of a fault in a guard page @distance bytes past the start of
 * @allocation (KHEAP_ERR_GUARD_OVERFLOW) or before it (_UNDERFLOW):
 * "kheap: overflow into guard page of 0x<start> (offset <n>, size <n>)",
 * offset negative for an underflow. Async-signal-safe; prints in every
 * mode (the process dies of the fault either way) and calls no hook.
 */
void kh_report_fault(enum kheap_error kind, const void *allocation,
		     size_t size, uint32_t site_id, size_t distance)
	__attribute__((cold));

/* Fork: hold the site table lock across fork. */
void kh_site_lock(void);
void kh_site_unlock(void);

#endif /* KHEAP_REPORT_H */
