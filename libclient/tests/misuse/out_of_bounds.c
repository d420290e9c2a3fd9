/* An access through a reference that runs past the end. */
#include "misuse.h"

int main(void)
{
	char *p = kheap_malloc(24);
	kheap_ref ref = kheap_ref_of(p);

	expect("kheap: out of bounds access of %p (offset 20, length 8, size 24)",
	       (void *)p);
	kheap_ref_at(ref, 20, 8);
	return not_detected();
}
