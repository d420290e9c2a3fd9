/* Double free of a medium allocation, after it merged with a neighbour. */
#include "misuse.h"

int main(void)
{
	char *a = kheap_malloc(20000);
	char *b = kheap_malloc(20000);
	char *keeps_the_region = kheap_malloc(20000);

	expect("kheap: double free of %p (size 20000)", (void *)b);
	kheap_free(a);
	kheap_free(b);		/* merges into a's free block */
	kheap_free(opaque(b));
	kheap_free(keeps_the_region);
	return not_detected();
}
