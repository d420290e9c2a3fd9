// SPDX-License-Identifier: MIT
/* Memory of new resized by realloc. */
#include <kheapclient_new.hpp>

#include "misuse.h"

int main()
{
	long *p = new long;

	expect("kheap: mismatched free of %p (size 8, allocated by new, released by realloc)",
	       (void *)p);
	kheap_realloc(opaque(p), 64);
	return not_detected();
}
