/* Free of memory the library never handed out. */
#include "misuse.h"

int main(void)
{
	static char not_ours[64];

	kheap_free(kheap_malloc(1));	/* the library is up */
	expect("kheap: invalid free of %p (not allocated by kheap)",
	       (void *)not_ours);
	kheap_free(opaque(not_ours));
	return not_detected();
}
