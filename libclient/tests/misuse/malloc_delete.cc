// SPDX-License-Identifier: MIT
/* Memory of malloc released by delete. */
#include <kheapclient_new.hpp>

#include "misuse.h"

int main()
{
	int *p = static_cast<int *>(kheap_malloc(sizeof(int)));

	expect("kheap: mismatched free of %p (size 4, allocated by malloc, released by delete)",
	       (void *)p);
	delete static_cast<int *>(opaque(p));
	return not_detected();
}
