/* Resize of a freed pointer. */
#include "misuse.h"

int main(void)
{
	char *p = kheap_malloc(100);

	expect("kheap: resize after free of %p (size 100)", (void *)p);
	kheap_free(p);
	kheap_realloc(opaque(p), 200);
	return not_detected();
}
