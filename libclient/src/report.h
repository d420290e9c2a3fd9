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
const struct kheap_site *kh_site(uint32_t id);

/* Fork: hold the site table lock across fork. */
void kh_site_lock(void);
void kh_site_unlock(void);

#endif /* KHEAP_REPORT_H */
