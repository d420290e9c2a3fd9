/* A 1 MiB memcpy into a large block: it faults on the trailing guard
 * page. */
#include "overrun.h"

int main(void)
{
	return overflow_far(LARGE, true);
}
