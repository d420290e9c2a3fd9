/* Double free of a large allocation, whose region already went back. */
#include "misuse.h"

int main(void)
{
	char *p = kheap_malloc(3 << 20);

	expect("kheap: double free of %p (size %d)", (void *)p, 3 << 20);
	kheap_free(p);
	kheap_free(opaque(p));
	return not_detected();
}
