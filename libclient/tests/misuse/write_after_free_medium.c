/* A medium block written after its free, found when the block is handed
 * out again. (Not its first 16 bytes: a free block's list links live there
 * and would overwrite the write before anything can see it.) */
#include "misuse.h"

int main(void)
{
	char *p = kheap_malloc(50000);
	char *keeps_the_span = kheap_malloc(50000);

	expect("kheap: write after free of %p (inside %p, size 50000)",
	       (void *)(p + 40), (void *)p);
	kheap_free(p);
	((char *)opaque(p))[40] = 1;
	kheap_malloc(40000);	/* a size whose search finds p's block */
	kheap_free(keeps_the_span);
	return not_detected();
}
