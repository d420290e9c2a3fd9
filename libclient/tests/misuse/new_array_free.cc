// SPDX-License-Identifier: MIT
/* Memory of new[] released by free(). */
#include <cstdlib>

#include <kheapclient_new.hpp>

#include "misuse.h"

int main()
{
	char *p = new char[100];

	expect("kheap: mismatched free of %p (size 100, allocated by new[], released by free)",
	       (void *)p);
	kheap_free(opaque(p));
	return not_detected();
}
