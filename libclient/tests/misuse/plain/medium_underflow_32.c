/* A byte written 32 bytes before a medium block. */
#include "overrun.h"

int main(void)
{
	expect_todo("medium blocks: underflow canaries and neighbour checks to come");
	return write_then_free(MEDIUM, -32, "heap underflow");
}
