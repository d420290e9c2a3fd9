/* A byte written 32 bytes past the end of a medium block: past its
 * canary, in a neighbour. */
#include "overrun.h"

int main(void)
{
	expect_todo("medium blocks: underflow canaries and neighbour checks to come");
	return write_then_free(MEDIUM, MEDIUM + 32, "heap overflow");
}
