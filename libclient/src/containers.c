/* SPDX-License-Identifier: MIT */
/*
 * containers.c - a growable array (kheap_vec) and a byte string
 * (kheap_buf) on checked references. Every element access goes through the
 * reference check; any reallocation of the storage, in place or not, ends the
 * reference's generation, so a kept element reference is caught as stale.
 * Out-of-bounds reports give the offset and length of the access and, as
 * size, the bytes in use (not the capacity).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "alloc.h"
#include "free.h"
#include "report.h"

/* ---- shared growth ------------------------------------------------------------ */

/*
 * Make room for @needed elements of @elem_size (+ @extra bytes) in
 * @storage, at least doubling. 0, or -1 with errno ENOMEM.
 */
static int grow(kheap_ref *storage, size_t *capacity, size_t needed,
		size_t elem_size, size_t extra)
{
	size_t count = *capacity * 2 > needed ? *capacity * 2 : needed;
	size_t bytes;
	void *moved;

	if (needed <= *capacity)
		return 0;
	if (count < 4)
		count = 4;
	if (__builtin_mul_overflow(count, elem_size, &bytes) ||
	    __builtin_add_overflow(bytes, extra, &bytes)) {
		errno = ENOMEM;
		return -1;
	}
	moved = kh_resize(storage->ptr, bytes, 0);
	if (moved == NULL)
		return -1;
	*storage = kheap_ref_of(moved);
	*capacity = count;
	return 0;
}

/* Check that element @index of @length is in use, then reach it. */
static void *element(kheap_ref storage, size_t index, size_t length,
		     size_t elem_size)
{
	if (unlikely(index >= length)) {
		kh_report(KHEAP_ERR_OUT_OF_BOUNDS, storage.ptr, storage.ptr,
			  length * elem_size, 0,
			  index <= SIZE_MAX / elem_size ? index * elem_size : SIZE_MAX,
			  elem_size);
		return NULL;
	}
	return kheap_ref_elem(storage, index, elem_size);
}

/* ---- kheap_vec ---------------------------------------------------------------- */

KH_API void kheap_vec_init(struct kheap_vec *vec, size_t elem_size)
{
	*vec = (struct kheap_vec){ .elem_size = elem_size ? elem_size : 1 };
}

KH_API void kheap_vec_destroy(struct kheap_vec *vec)
{
	kh_free(vec->items.ptr);
	kheap_vec_init(vec, vec->elem_size);
}

KH_API int kheap_vec_reserve(struct kheap_vec *vec, size_t capacity)
{
	return grow(&vec->items, &vec->capacity, capacity, vec->elem_size, 0);
}

KH_API int kheap_vec_resize(struct kheap_vec *vec, size_t length)
{
	if (kheap_vec_reserve(vec, length) < 0)
		return -1;
	/* Elements past the old length may hold popped data: clear them. */
	if (length > vec->length)
		memset((char *)vec->items.ptr + vec->length * vec->elem_size, 0,
		       (length - vec->length) * vec->elem_size);
	vec->length = length;
	return 0;
}

KH_API int kheap_vec_push(struct kheap_vec *vec, const void *elem)
{
	void *slot;

	if (kheap_vec_reserve(vec, vec->length + 1) < 0)
		return -1;
	vec->length++;
	slot = kheap_vec_at(vec, vec->length - 1);
	if (slot == NULL) {
		vec->length--;
		return -1;
	}
	memcpy(slot, elem, vec->elem_size);
	return 0;
}

KH_API int kheap_vec_pop(struct kheap_vec *vec, void *elem)
{
	void *slot;

	if (vec->length == 0) {
		errno = ERANGE;
		return -1;
	}
	slot = kheap_vec_at(vec, vec->length - 1);
	if (slot == NULL)
		return -1;
	memcpy(elem, slot, vec->elem_size);
	vec->length--;
	return 0;
}

KH_API void *kheap_vec_at(const struct kheap_vec *vec, size_t index)
{
	return element(vec->items, index, vec->length, vec->elem_size);
}

KH_API struct kheap_vec_ref kheap_vec_ref(const struct kheap_vec *vec,
					  size_t index)
{
	if (kheap_vec_at(vec, index) == NULL)
		return (struct kheap_vec_ref){ .elem_size = vec->elem_size };
	return (struct kheap_vec_ref){
		.items = vec->items,
		.offset = index * vec->elem_size,
		.elem_size = vec->elem_size,
	};
}

KH_API void *kheap_vec_deref(struct kheap_vec_ref ref)
{
	return kheap_ref_at(ref.items, ref.offset, ref.elem_size);
}

/* ---- kheap_buf ------------------------------------------------------------------ */

KH_API void kheap_buf_init(struct kheap_buf *buf)
{
	*buf = (struct kheap_buf){ 0 };
}

KH_API void kheap_buf_destroy(struct kheap_buf *buf)
{
	kh_free(buf->bytes.ptr);
	kheap_buf_init(buf);
}

/* Room for @length bytes and the NUL after them. */
/*
 * Room for @length bytes and the terminator. A buffer written to has
 * storage even when it stays empty (appending "" or printing "%s" of ""),
 * so that the terminator always has a home.
 */
static int buf_reserve(struct kheap_buf *buf, size_t length)
{
	return grow(&buf->bytes, &buf->capacity, length ? length : 1, 1, 1);
}

KH_API int kheap_buf_append(struct kheap_buf *buf, const void *data,
			    size_t length)
{
	char *end;

	if (length > SIZE_MAX - buf->length - 1) {
		errno = ENOMEM;
		return -1;
	}
	if (buf_reserve(buf, buf->length + length) < 0)
		return -1;
	end = kheap_ref_at(buf->bytes, buf->length, length + 1);
	if (end == NULL)
		return -1;
	memcpy(end, data, length);
	end[length] = '\0';
	buf->length += length;
	return 0;
}

KH_API int kheap_buf_append_str(struct kheap_buf *buf, const char *str)
{
	return kheap_buf_append(buf, str, strlen(str));
}

KH_API int kheap_buf_printf(struct kheap_buf *buf, const char *format, ...)
{
	va_list ap;
	char *end;
	int n;

	va_start(ap, format);
	n = vsnprintf(NULL, 0, format, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(buf, buf->length + (size_t)n) < 0)
		return -1;
	end = kheap_ref_at(buf->bytes, buf->length, (size_t)n + 1);
	if (end == NULL)
		return -1;
	va_start(ap, format);
	vsnprintf(end, (size_t)n + 1, format, ap);
	va_end(ap);
	buf->length += (size_t)n;
	return 0;
}

KH_API const char *kheap_buf_str(const struct kheap_buf *buf)
{
	const char *str;

	if (buf->bytes.ptr == NULL)
		return "";
	str = kheap_ref_at(buf->bytes, 0, buf->length + 1);
	return str ? str : "";
}

KH_API char *kheap_buf_at(const struct kheap_buf *buf, size_t index)
{
	return element(buf->bytes, index, buf->length, 1);
}

KH_API void kheap_buf_clear(struct kheap_buf *buf)
{
	char *str = buf->bytes.ptr ? kheap_ref_at(buf->bytes, 0, 1) : NULL;

	if (str)
		str[0] = '\0';
	buf->length = 0;
}
