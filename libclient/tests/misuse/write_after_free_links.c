/* The first bytes of a free medium block, where its free-list links live,
 * written after its free: caught before the links are followed. */
#include <string.h>

#include "misuse.h"

int main(void)
{
	char *p = kheap_malloc(50000);
	char *keeps_the_span = kheap_malloc(50000);

	expect("kheap: write after free of %p (size 50000)", (void *)p);
	kheap_free(p);
	memset(opaque(p), 0x41, 16);
	kheap_malloc(40000);	/* a size whose search finds p's block */
	kheap_free(keeps_the_span);
	return not_detected();
}
