/* One byte written just before a large block, in the page before it in
 * its region: found on free. */
#include "overrun.h"

int main(void)
{
	return write_then_free(LARGE, -1, "heap underflow");
}
