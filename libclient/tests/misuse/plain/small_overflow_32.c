/* A byte written 32 bytes past the end of a small block: past its
 * canary, in a neighbour. */
#include "overrun.h"

int main(void)
{
	expect_todo("slab slots: underflow canaries and neighbour checks to come");
	return write_then_free(SMALL, SMALL + 32, "heap overflow");
}
