/* A byte index past the end of a string buffer. */
#include "misuse.h"

int main(void)
{
	struct kheap_buf buf;

	kheap_buf_init(&buf);
	kheap_buf_append_str(&buf, "abc");
	expect("kheap: out of bounds access of %p (offset 3, length 1, size 3)",
	       buf.bytes.ptr);
	*kheap_buf_at(&buf, 3) = 'd';
	return not_detected();
}
