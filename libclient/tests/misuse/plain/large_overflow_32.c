/* A byte written 32 bytes past the end of a large block: it skips the
 * canary and lands before the trailing guard; found on free. */
#include "overrun.h"

int main(void)
{
	return write_then_free(LARGE, LARGE + 32, "heap overflow");
}
