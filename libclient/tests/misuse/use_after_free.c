/* Access through a reference after the allocation was freed. */
#include "misuse.h"

int main(void)
{
	int *p = kheap_malloc(10 * sizeof(int));
	kheap_ref ref = kheap_ref_of(p);

	expect("kheap: use after free of %p (size 40)", (void *)p);
	kheap_free(p);
	*KHEAP_REF_ELEM(ref, 0, int) = 1;
	return not_detected();
}
