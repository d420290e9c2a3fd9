/* The classic off-by-one NUL past a small block, found by its canary on free. */
#include "overrun.h"

int main(void)
{
	return write_then_free(SMALL, SMALL, "heap overflow");
}
