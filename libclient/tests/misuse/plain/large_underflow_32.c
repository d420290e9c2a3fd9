/* A byte written 32 bytes before a large block, past where any header
 * before it would be: found on free. */
#include "overrun.h"

int main(void)
{
	return write_then_free(LARGE, -32, "heap underflow");
}
