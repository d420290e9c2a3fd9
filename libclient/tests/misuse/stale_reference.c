/* Access through a reference taken before an in-place resize. */
#include "misuse.h"

int main(void)
{
	int *p = kheap_malloc(10 * sizeof(int));
	kheap_ref ref = kheap_ref_of(p);

	if (kheap_realloc(p, 9 * sizeof(int)) != p)	/* same size class */
		return 2;
	expect("kheap: stale reference of %p (size 36)", (void *)p);
	*KHEAP_REF_ELEM(ref, 0, int) = 1;
	return not_detected();
}
