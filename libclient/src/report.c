/* SPDX-License-Identifier: MIT */
/*
 * report.c - error reporting and allocation sites.
 *
 * The report line format is part of the API (see kheap.h); tests compare it
 * byte for byte. Formatting uses only the stack and write(2) because the
 * reporter runs inside malloc and free.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "report.h"

#define LINE_MAX_BYTES 512

/* ---- plain messages ------------------------------------------------------ */

static void write_line(const char *line)
{
	size_t len = strlen(line);
	char buf[LINE_MAX_BYTES + 1];

	memcpy(buf, line, len);
	buf[len] = '\n';
	/* Best effort: a report has nowhere else to go. */
	if (write(STDERR_FILENO, buf, len + 1) < 0)
		return;
}

void kh_print(const char *format, ...)
{
	char line[LINE_MAX_BYTES];
	va_list ap;

	va_start(ap, format);
	vsnprintf(line, sizeof(line), format, ap);
	va_end(ap);
	write_line(line);
}

void kh_assert_fail(const char *expr, const char *file, int line)
{
	kh_print("kheap: internal error: %s at %s:%d", expr, file, line);
	abort();
}

/* ---- allocation sites ------------------------------------------------------
 * Metadata keeps a 32-bit site id instead of a pointer; the id indexes this
 * append-only table. Ids are cached in the site itself after the first use.
 */
static const struct kheap_site *sites[KH_MAX_SITES];
static unsigned site_count = 1;		/* id 0 means "no site" */
static pthread_mutex_t site_lock = PTHREAD_MUTEX_INITIALIZER;

uint32_t kh_site_id(const struct kheap_site *site)
{
	unsigned id;

	if (site == NULL)
		return 0;
	id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
	if (likely(id != 0))
		return id;
	pthread_mutex_lock(&site_lock);
	id = site->id;
	if (id == 0 && site_count < KH_MAX_SITES) {
		id = site_count++;
		sites[id] = site;
		/* The macros hand out a writable static; only the id changes. */
		__atomic_store_n(&((struct kheap_site *)site)->id, id,
				 __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&site_lock);
	return id;
}

const struct kheap_site *kh_site(uint32_t id)
{
	id &= (1u << KH_SITE_ID_BITS) - 1;
	return id != 0 && id < KH_MAX_SITES ? sites[id] : NULL;
}

void kh_site_lock(void)
{
	pthread_mutex_lock(&site_lock);
}

void kh_site_unlock(void)
{
	pthread_mutex_unlock(&site_lock);
}

/* ---- misuse reports ------------------------------------------------------- */

static enum kheap_on_error error_mode = KHEAP_ON_ERROR_ABORT;
static kheap_error_hook *error_hook;
static void *error_hook_arg;

void kh_report_configure(enum kheap_on_error on_error, kheap_error_hook *hook,
			 void *hook_arg)
{
	error_mode = on_error;
	error_hook = hook;
	error_hook_arg = hook_arg;
}

static const char *const error_names[] = {
	[KHEAP_ERR_DOUBLE_FREE] = "double free",
	[KHEAP_ERR_INVALID_FREE] = "invalid free",
	[KHEAP_ERR_INVALID_RESIZE] = "invalid resize",
	[KHEAP_ERR_RESIZE_AFTER_FREE] = "resize after free",
	[KHEAP_ERR_HEAP_OVERFLOW] = "heap overflow",
	[KHEAP_ERR_USE_AFTER_FREE] = "use after free",
	[KHEAP_ERR_STALE_REFERENCE] = "stale reference",
	[KHEAP_ERR_OUT_OF_BOUNDS] = "out of bounds access",
	[KHEAP_ERR_INVALID_REFERENCE] = "invalid reference",
	[KHEAP_ERR_WRITE_AFTER_FREE] = "write after free",
	[KHEAP_ERR_MISMATCHED_FREE] = "mismatched free",
	[KHEAP_ERR_HEAP_UNDERFLOW] = "heap underflow",
	[KHEAP_ERR_GUARD_OVERFLOW] = "overflow into guard page",
	[KHEAP_ERR_GUARD_UNDERFLOW] = "underflow into guard page",
};

/* What made an allocation of each family. */
static const char *const family_names[] = {
	[KH_FAMILY_MALLOC] = "malloc",
	[KH_FAMILY_NEW] = "new",
	[KH_FAMILY_NEW_ARRAY] = "new[]",
};

KH_API const char *kheap_error_name(enum kheap_error kind)
{
	if ((size_t)kind < sizeof(error_names) / sizeof(error_names[0]) &&
	    error_names[kind])
		return error_names[kind];
	return "unknown error";
}

/* Append to a line, truncating instead of overflowing. */
static size_t appendf(char *line, size_t cap, size_t used,
		      const char *format, ...)
{
	va_list ap;
	int n;

	if (used >= cap - 1)
		return used;
	va_start(ap, format);
	n = vsnprintf(line + used, cap - used, format, ap);
	va_end(ap);
	if (n < 0)
		return used;
	return used + (size_t)n < cap ? used + (size_t)n : cap - 1;
}

/* "kheap: <kind> of 0x<addr> (<details>)": see kheap.h. */
static void format_report(char *line, size_t cap,
			  const struct kheap_error_report *r)
{
	size_t n = appendf(line, cap, 0, "kheap: %s of 0x%lx (",
			   kheap_error_name(r->kind),
			   (unsigned long)r->address);

	if (r->allocation == NULL && r->kind == KHEAP_ERR_USE_AFTER_FREE)
		n = appendf(line, cap, n, "no longer allocated");
	else if (r->allocation == NULL)
		n = appendf(line, cap, n, "not allocated by kheap");
	else if (r->kind == KHEAP_ERR_OUT_OF_BOUNDS)
		n = appendf(line, cap, n, "offset %zu, length %zu, size %zu",
			    r->offset, r->length, r->size);
	else if (r->allocation != r->address)
		n = appendf(line, cap, n, "inside 0x%lx, size %zu",
			    (unsigned long)r->allocation, r->size);
	else
		n = appendf(line, cap, n, "size %zu", r->size);
	if (r->kind == KHEAP_ERR_MISMATCHED_FREE)
		n = appendf(line, cap, n, ", allocated by %s, released by %s",
			    r->allocated_by, r->released_by);
	if (r->site)
		n = appendf(line, cap, n, ", allocated at %s:%d in %s()",
			    r->site->file, r->site->line, r->site->func);
	appendf(line, cap, n, ")");
}

/* Format @report's line into it, then abort, or tell the hook and fail. */
static int emit(struct kheap_error_report *report)
{
	char line[LINE_MAX_BYTES];

	format_report(line, sizeof(line), report);
	report->message = line;
	if (error_mode == KHEAP_ON_ERROR_ABORT) {
		write_line(line);
		abort();
	}
	if (error_hook)
		error_hook(report, error_hook_arg);
	errno = EINVAL;
	return -1;
}

int kh_report(enum kheap_error kind, const void *address,
	      const void *allocation, size_t size, uint32_t site_id,
	      size_t offset, size_t length)
{
	return emit(&(struct kheap_error_report){
		.kind = kind,
		.address = address,
		.allocation = allocation,
		.size = size,
		.offset = offset,
		.length = length,
		.site = kh_site(site_id),
	});
}

int kh_report_mismatch(const void *ptr, size_t size, uint32_t site_word,
		       const char *released_by)
{
	return emit(&(struct kheap_error_report){
		.kind = KHEAP_ERR_MISMATCHED_FREE,
		.address = ptr,
		.allocation = ptr,
		.size = size,
		.site = kh_site(site_word),
		.allocated_by = family_names[kh_site_family(site_word)],
		.released_by = released_by,
	});
}

/* ---- faults -----------------------------------------------------------------
 * Written from a signal handler, so no stdio (vsnprintf is not
 * async-signal-safe): the few conversions by hand, on the stack.
 */
struct line {
	char text[LINE_MAX_BYTES];
	size_t used;
};

static void put(struct line *l, const char *s)
{
	while (*s && l->used < sizeof(l->text) - 1)
		l->text[l->used++] = *s++;
	l->text[l->used] = '\0';
}

static void put_number(struct line *l, uintmax_t value, unsigned base)
{
	char digits[24];
	size_t n = sizeof(digits) - 1;

	digits[n] = '\0';
	do
		digits[--n] = "0123456789abcdef"[value % base];
	while ((value /= base) != 0);
	put(l, digits + n);
}

void kh_report_fault(enum kheap_error kind, const void *allocation,
		     size_t size, uint32_t site_id, size_t distance)
{
	const struct kheap_site *site = kh_site(site_id);
	struct line l = { .used = 0 };

	put(&l, "kheap: ");
	put(&l, kheap_error_name(kind));
	put(&l, " of 0x");
	put_number(&l, (uintptr_t)allocation, 16);
	put(&l, kind == KHEAP_ERR_GUARD_UNDERFLOW ? " (offset -" : " (offset ");
	put_number(&l, distance, 10);
	put(&l, ", size ");
	put_number(&l, size, 10);
	if (site) {
		put(&l, ", allocated at ");
		put(&l, site->file);
		put(&l, ":");
		put_number(&l, (uintmax_t)site->line, 10);
		put(&l, " in ");
		put(&l, site->func);
		put(&l, "()");
	}
	put(&l, ")");
	write_line(l.text);
}
