/* A write past the end of a medium block, found by kheap_check. */
#include "misuse.h"

int main(void)
{
	char *p = kheap_malloc(30000);

	expect("kheap: heap overflow of %p (size 30000)", (void *)p);
	((char *)opaque(p))[30003] ^= 0x5a;	/* changes it, whatever it was */
	kheap_check(p);
	return not_detected();
}
