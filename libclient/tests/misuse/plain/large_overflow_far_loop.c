/* A byte loop writing 1 MiB into a large block: it faults on the trailing
 * guard page. */
#include "overrun.h"

int main(void)
{
	return overflow_far(LARGE, false);
}
