/* Resize of an interior pointer. */
#include "misuse.h"

int main(void)
{
	char *p = kheap_malloc(100);

	expect("kheap: invalid resize of %p (inside %p, size 100)",
	       (void *)(p + 16), (void *)p);
	kheap_realloc(opaque(p + 16), 200);
	return not_detected();
}
