/* With KHEAP_INSTRUMENT the report names where the memory was allocated. */
#define KHEAP_INSTRUMENT
#include "misuse.h"

int main(void)
{
	long *p, *alias;

	kheap_new(p, 3, long);		/* line 9 */
	alias = p;
	expect("kheap: double free of %p (size 24, allocated at %s:9 in main())",
	       (void *)p, __FILE__);
	kheap_del(p);
	kheap_del(alias);
	return not_detected();
}
