/* A 1 MiB memcpy into a small block. */
#include "overrun.h"

int main(void)
{
	expect_todo("slab slots: underflow canaries and neighbour checks to come");
	return overflow_far(SMALL, true);
}
