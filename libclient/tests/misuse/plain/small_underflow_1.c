/* One byte written just before a small block. */
#include "overrun.h"

int main(void)
{
	expect_todo("slab slots: underflow canaries and neighbour checks to come");
	return write_then_free(SMALL, -1, "heap underflow");
}
