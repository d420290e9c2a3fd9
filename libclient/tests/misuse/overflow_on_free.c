/* A write one byte past the end, found by the canary on free. */
#include "misuse.h"

int main(void)
{
	char *p = kheap_malloc(24);

	expect("kheap: heap overflow of %p (size 24)", (void *)p);
	((char *)opaque(p))[24] = '\0';	/* the classic off-by-one NUL */
	kheap_free(p);
	return not_detected();
}
