/* A byte written into a small block after its free, found when the slot
 * is handed out again. */
#include "misuse.h"

int main(void)
{
	char *p = kheap_malloc(24);

	expect("kheap: write after free of %p (inside %p, size 24)",
	       (void *)(p + 3), (void *)p);
	kheap_free(p);
	((char *)opaque(p))[3] = 7;
	kheap_malloc(24);
	return not_detected();
}
