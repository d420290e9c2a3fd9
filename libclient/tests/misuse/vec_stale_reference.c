/* An element reference kept across a reallocation of the vector. */
#include "misuse.h"

int main(void)
{
	struct kheap_vec vec;
	struct kheap_vec_ref ref;
	int value = 1;

	kheap_vec_init(&vec, sizeof(int));
	kheap_vec_push(&vec, &value);
	ref = kheap_vec_ref(&vec, 0);
	kheap_vec_reserve(&vec, 4096);	/* the storage moves */
	expect("kheap: use after free of %p (size 16)", ref.items.ptr);
	*(int *)kheap_vec_deref(ref) = 2;
	return not_detected();
}
