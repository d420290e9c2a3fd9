// SPDX-License-Identifier: MIT
/* Memory of new[] released by delete. */
#include <kheapclient_new.hpp>

#include "misuse.h"

int main()
{
	int *p = new int[10];

	expect("kheap: mismatched free of %p (size 40, allocated by new[], released by delete)",
	       (void *)p);
	delete static_cast<int *>(opaque(p));
	return not_detected();
}
