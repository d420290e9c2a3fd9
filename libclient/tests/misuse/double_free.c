/* Double free of a small (slab) allocation. */
#include "misuse.h"

int main(void)
{
	char *p = kheap_malloc(24);

	expect("kheap: double free of %p (size 24)", (void *)p);
	kheap_free(p);
	kheap_free(opaque(p));
	return not_detected();
}
