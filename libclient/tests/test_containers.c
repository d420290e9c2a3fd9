/* SPDX-License-Identifier: MIT */
/*
 * test_containers - references, kheap_vec and kheap_buf, with misuse caught
 * through the error hook (KHEAP_ON_ERROR_RETURN) so one program can look
 * at many reports. The abort path of each is in tests/misuse/.
 */
#include <errno.h>
#include <string.h>

#include <kheapclient.h>

#include "tap.h"

static enum kheap_error last_error;
static char last_message[512];

static void remember(const struct kheap_error_report *report, void *arg)
{
	(void)arg;
	last_error = report->kind;
	snprintf(last_message, sizeof(last_message), "%s", report->message);
}

/* Run @expr and expect exactly the report @kind from it. */
#define CHECK_REPORTS(expr, kind)					\
	do {								\
		last_error = 0;						\
		(void)(expr);						\
		CHECK(last_error == (kind));				\
	} while (0)

TEST(reference_checks_liveness_and_bounds)
{
	int *p = kheap_malloc(10 * sizeof(int));
	kheap_ref ref = kheap_ref_of(p);

	CHECK(kheap_ref_live(ref));
	CHECK(KHEAP_REF_ELEM(ref, 9, int) == p + 9);
	CHECK_REPORTS(KHEAP_REF_ELEM(ref, 10, int), KHEAP_ERR_OUT_OF_BOUNDS);
	CHECK(strstr(last_message, "(offset 40, length 4, size 40)") != NULL);
	CHECK_REPORTS(kheap_ref_at(ref, SIZE_MAX, 2), KHEAP_ERR_OUT_OF_BOUNDS);
	kheap_free(p);
	CHECK(!kheap_ref_live(ref));
	CHECK_REPORTS(kheap_ref_at(ref, 0, 1), KHEAP_ERR_USE_AFTER_FREE);
	CHECK_REPORTS(kheap_ref_of(p + 1), KHEAP_ERR_INVALID_REFERENCE);
}

TEST(reference_goes_stale_on_resize)
{
	char *p = kheap_malloc(100);
	kheap_ref ref = kheap_ref_of(p);

	CHECK(kheap_realloc(p, 101) == p);	/* in place */
	CHECK(!kheap_ref_live(ref));
	CHECK_REPORTS(kheap_ref_at(ref, 0, 1), KHEAP_ERR_STALE_REFERENCE);
	ref = kheap_ref_of(p);
	CHECK(kheap_ref_at(ref, 100, 1) == p + 100);
	kheap_free(p);
}

TEST(errors_return_instead_of_aborting)
{
	char *p = kheap_malloc(10);
	char *alias = p;

	CHECK(kheap_free(p) == 0);
	errno = 0;
	CHECK_REPORTS(kheap_free(alias), KHEAP_ERR_DOUBLE_FREE);
	CHECK(errno == EINVAL);
	CHECK_REPORTS(kheap_realloc(alias, 20), KHEAP_ERR_RESIZE_AFTER_FREE);
	p = kheap_malloc(10);
	p[10] ^= 1;
	CHECK_REPORTS(kheap_check(p), KHEAP_ERR_HEAP_OVERFLOW);
	CHECK(strcmp(kheap_error_name(KHEAP_ERR_HEAP_OVERFLOW), "heap overflow") == 0);
}

TEST(vec_grows_and_keeps_elements)
{
	struct kheap_vec vec;
	long value;

	kheap_vec_init(&vec, sizeof(long));
	for (long i = 0; i < 100000; i++)
		CHECK(kheap_vec_push(&vec, &i) == 0);
	CHECK(vec.length == 100000);
	for (long i = 0; i < 100000; i++)
		CHECK(*KHEAP_VEC_AT(&vec, i, long) == i);
	CHECK(kheap_vec_pop(&vec, &value) == 0 && value == 99999);
	CHECK(kheap_vec_resize(&vec, 100001) == 0);
	CHECK(*KHEAP_VEC_AT(&vec, 100000, long) == 0);
	kheap_vec_destroy(&vec);
	CHECK(vec.length == 0 && kheap_vec_pop(&vec, &value) == -1 && errno == ERANGE);
}

TEST(vec_checks_indices)
{
	struct kheap_vec vec;
	int one = 1;

	kheap_vec_init(&vec, sizeof(int));
	CHECK_REPORTS(kheap_vec_at(&vec, 0), KHEAP_ERR_OUT_OF_BOUNDS);
	kheap_vec_push(&vec, &one);
	CHECK(*KHEAP_VEC_AT(&vec, 0, int) == 1);
	/* Capacity is 4: index 1 is allocated but not in use. */
	CHECK_REPORTS(kheap_vec_at(&vec, 1), KHEAP_ERR_OUT_OF_BOUNDS);
	CHECK(strstr(last_message, "(offset 4, length 4, size 4)") != NULL);
	kheap_vec_destroy(&vec);
}

TEST(vec_detects_stale_element_reference)
{
	struct kheap_vec vec;
	struct kheap_vec_ref first;
	int value = 7;

	kheap_vec_init(&vec, sizeof(int));
	kheap_vec_push(&vec, &value);
	first = kheap_vec_ref(&vec, 0);
	CHECK(*(int *)kheap_vec_deref(first) == 7);
	for (int i = 0; i < 100; i++)	/* reallocates the storage */
		kheap_vec_push(&vec, &i);
	last_error = 0;
	CHECK(kheap_vec_deref(first) == NULL);
	CHECK(last_error == KHEAP_ERR_USE_AFTER_FREE ||
	      last_error == KHEAP_ERR_STALE_REFERENCE);
	first = kheap_vec_ref(&vec, 0);
	CHECK(*(int *)kheap_vec_deref(first) == 7);
	kheap_vec_destroy(&vec);
}

TEST(buf_builds_strings)
{
	struct kheap_buf buf;

	kheap_buf_init(&buf);
	CHECK(strcmp(kheap_buf_str(&buf), "") == 0);
	CHECK(kheap_buf_append_str(&buf, "hello") == 0);
	CHECK(kheap_buf_printf(&buf, ", %s #%d", "regions", 42) == 0);
	CHECK(strcmp(kheap_buf_str(&buf), "hello, regions #42") == 0);
	CHECK(buf.length == 18);
	CHECK(*kheap_buf_at(&buf, 17) == '2');
	CHECK_REPORTS(kheap_buf_at(&buf, 18), KHEAP_ERR_OUT_OF_BOUNDS);
	for (int i = 0; i < 10000; i++)
		CHECK(kheap_buf_append(&buf, "0123456789", 10) == 0);
	CHECK(buf.length == 100018 && strlen(kheap_buf_str(&buf)) == 100018);
	kheap_buf_clear(&buf);
	CHECK(strcmp(kheap_buf_str(&buf), "") == 0);
	kheap_buf_destroy(&buf);
}

/* Found by fuzz/fuzz_heap.c: nothing appended to a fresh buffer is no misuse. */
TEST(buf_takes_empty_appends)
{
	struct kheap_buf buf;

	kheap_buf_init(&buf);
	CHECK(kheap_buf_append(&buf, "", 0) == 0);
	CHECK(kheap_buf_printf(&buf, "%s", "") == 0);
	CHECK(buf.length == 0 && strcmp(kheap_buf_str(&buf), "") == 0);
	kheap_buf_destroy(&buf);
}

int main(void)
{
	return tap_run_reporting_to(remember);
}
