/* A byte written 32 bytes before a small block. */
#include "overrun.h"

int main(void)
{
	expect_todo("slab slots: underflow canaries and neighbour checks to come");
	return write_then_free(SMALL, -32, "heap underflow");
}
