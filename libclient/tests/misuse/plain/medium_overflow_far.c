/* A 1 MiB memcpy into a medium block. */
#include "overrun.h"

int main(void)
{
	expect_todo("medium blocks: underflow canaries and neighbour checks to come");
	return overflow_far(MEDIUM, true);
}
