// SPDX-License-Identifier: MIT
/* Memory of new released by delete[]. */
#include <kheapclient_new.hpp>

#include "misuse.h"

int main()
{
	int *p = new int;

	expect("kheap: mismatched free of %p (size 4, allocated by new, released by delete[])",
	       (void *)p);
	delete[] static_cast<int *>(opaque(p));
	return not_detected();
}
