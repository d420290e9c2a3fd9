/* A medium block written after its free, found when the block is handed
 * out again. (Past its first 16 bytes, where a free block keeps its list
 * links: write_after_free_links.c.) */
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
