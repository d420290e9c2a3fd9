/* SPDX-License-Identifier: MIT */
/*
 * kheapclient_new.hpp - C++'s operator new and delete, every form, on
 * libkheapclient, for a program linked with it (a preloaded program gets
 * the same from libkheapmalloc.so). Include it in exactly one source file
 * of the program: it defines the replacement functions, which the C++
 * standard lets a program define once.
 *
 * Memory of new[] released by delete, of new by delete[], and of either by
 * free() or kheap_free(), or malloc's by delete, is reported as a
 * mismatched free (kheap's one line, then abort by default). A failing new
 * calls the new_handler and tries again, then throws std::bad_alloc; the
 * nothrow forms return nullptr instead.
 */
#ifndef KHEAPCLIENT_NEW_HPP
#define KHEAPCLIENT_NEW_HPP

#include <cstddef>
#include <new>

#include <kheapclient.h>

namespace kheap_detail {

inline void *cxx_new(std::size_t size, std::size_t alignment, bool array)
{
	for (;;) {
		void *ptr = kheap_cxx_new(size, alignment, array);

		if (ptr != nullptr)
			return ptr;
		std::new_handler handler = std::get_new_handler();

		if (handler == nullptr)
			throw std::bad_alloc();
		handler();
	}
}

inline void *cxx_new(std::size_t size, std::size_t alignment, bool array,
		     const std::nothrow_t &) noexcept
{
	try {
		return cxx_new(size, alignment, array);
	} catch (...) {
		return nullptr;
	}
}

constexpr std::size_t default_alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

} // namespace kheap_detail

void *operator new(std::size_t size)
{
	return kheap_detail::cxx_new(size, kheap_detail::default_alignment, false);
}

void *operator new[](std::size_t size)
{
	return kheap_detail::cxx_new(size, kheap_detail::default_alignment, true);
}

void *operator new(std::size_t size, const std::nothrow_t &tag) noexcept
{
	return kheap_detail::cxx_new(size, kheap_detail::default_alignment, false, tag);
}

void *operator new[](std::size_t size, const std::nothrow_t &tag) noexcept
{
	return kheap_detail::cxx_new(size, kheap_detail::default_alignment, true, tag);
}

void *operator new(std::size_t size, std::align_val_t alignment)
{
	return kheap_detail::cxx_new(size, static_cast<std::size_t>(alignment), false);
}

void *operator new[](std::size_t size, std::align_val_t alignment)
{
	return kheap_detail::cxx_new(size, static_cast<std::size_t>(alignment), true);
}

void *operator new(std::size_t size, std::align_val_t alignment,
		   const std::nothrow_t &tag) noexcept
{
	return kheap_detail::cxx_new(size, static_cast<std::size_t>(alignment), false, tag);
}

void *operator new[](std::size_t size, std::align_val_t alignment,
		     const std::nothrow_t &tag) noexcept
{
	return kheap_detail::cxx_new(size, static_cast<std::size_t>(alignment), true, tag);
}

/* The sized and aligned deletes need neither: the metadata knows both. */
void operator delete(void *ptr) noexcept { kheap_cxx_delete(ptr, false); }
void operator delete[](void *ptr) noexcept { kheap_cxx_delete(ptr, true); }
void operator delete(void *ptr, std::size_t) noexcept { kheap_cxx_delete(ptr, false); }
void operator delete[](void *ptr, std::size_t) noexcept { kheap_cxx_delete(ptr, true); }
void operator delete(void *ptr, const std::nothrow_t &) noexcept { kheap_cxx_delete(ptr, false); }
void operator delete[](void *ptr, const std::nothrow_t &) noexcept { kheap_cxx_delete(ptr, true); }
void operator delete(void *ptr, std::align_val_t) noexcept { kheap_cxx_delete(ptr, false); }
void operator delete[](void *ptr, std::align_val_t) noexcept { kheap_cxx_delete(ptr, true); }
void operator delete(void *ptr, std::size_t, std::align_val_t) noexcept
{
	kheap_cxx_delete(ptr, false);
}
void operator delete[](void *ptr, std::size_t, std::align_val_t) noexcept
{
	kheap_cxx_delete(ptr, true);
}
void operator delete(void *ptr, std::align_val_t, const std::nothrow_t &) noexcept
{
	kheap_cxx_delete(ptr, false);
}
void operator delete[](void *ptr, std::align_val_t, const std::nothrow_t &) noexcept
{
	kheap_cxx_delete(ptr, true);
}

#endif /* KHEAPCLIENT_NEW_HPP */
