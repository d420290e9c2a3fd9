/* One byte written just before a medium block. */
#include "overrun.h"

int main(void)
{
	expect_todo("medium blocks: underflow canaries and neighbour checks to come");
	return write_then_free(MEDIUM, -1, "heap underflow");
}
