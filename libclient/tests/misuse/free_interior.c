/* Free of a pointer into the middle of an allocation. */
#include "misuse.h"

int main(void)
{
	char *p = kheap_malloc(24);

	expect("kheap: invalid free of %p (inside %p, size 24)",
	       (void *)(p + 8), (void *)p);
	kheap_free(opaque(p + 8));
	return not_detected();
}
